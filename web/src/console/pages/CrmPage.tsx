import { useQueries, useQuery } from '@tanstack/react-query';
import { ApiError } from '../../shared/api';
import { when } from '../../shared/format';
import { ScrollRegion } from '../../shared/ScrollRegion';
import { useLang } from '../../shared/i18n';
import { ErrorNote } from '../ErrorNote';
import { useSession } from '../session';

/** One row of `GET /v1/crm/amocrm/connections` (src/crm/standing.ts summaries). */
interface Connection {
  scopeId: string;
  channelId: string;
  amojoAccountId: string;
  businessAccountId: string;
  status: 'active' | 'paused' | 'disconnected';
  reason?: string;
  connectedAt: string;
  /** The business number's standing; `until` only when limited (null: no end). */
  restriction: { state: string; until?: string | null };
  quality: 'green' | 'yellow' | 'red';
  held: number;
  waiting: number;
}

/** What `GET /v1/crm/amocrm/connections/{scopeId}` adds that the list has not: today's counts. */
interface ConnectionStatus {
  connection: { number: { today: { firstContacts: number; replies: number; failed: number; fromClients: number } } };
}

const STATUS_KEY = { active: 'crm_active', paused: 'crm_paused', disconnected: 'crm_disconnected' } as const;

export function CrmPage() {
  const { t, lang } = useLang();
  const { api } = useSession();
  const list = useQuery({
    queryKey: ['crm'],
    queryFn: async () => {
      try {
        const all: Connection[] = [];
        let cursor: string | undefined;
        do {
          const page = await api.get<{ connections: Connection[]; nextCursor?: string }>(
            `/v1/crm/amocrm/connections?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          all.push(...page.connections);
          cursor = page.nextCursor;
        } while (cursor);
        return all;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return [];
        throw e;
      }
    },
    refetchInterval: 30_000,
  });
  const statuses = useQueries({
    queries: (list.data ?? []).map((c) => ({
      queryKey: ['crm', c.scopeId],
      queryFn: () => api.get<ConnectionStatus>(`/v1/crm/amocrm/connections/${encodeURIComponent(c.scopeId)}`),
      refetchInterval: 30_000,
    })),
  });
  return (
    <>
      <h1>{t('crm')}</h1>
      <ErrorNote error={list.error} />
      {list.data?.length === 0 && <p>{t('noCrm')}</p>}
      {list.data && list.data.length > 0 && (
        <ScrollRegion label={t('crm')}>
          <table className="list">
            <thead>
              <tr>
                <th scope="col">scope</th>
                <th scope="col">{t('account')}</th>
                <th scope="col">{t('crmConnection')}</th>
                <th scope="col">{t('restriction')}</th>
                <th scope="col">{t('quality')}</th>
                <th scope="col">{t('held')}</th>
                <th scope="col">{t('crmWaiting')}</th>
                <th scope="col">{t('crmToday')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c, i) => {
                const today = statuses[i]?.data?.connection.number.today;
                return (
                  <tr key={c.scopeId} data-scope={c.scopeId}>
                    <td>{c.scopeId}</td>
                    <td>{c.businessAccountId}</td>
                    <td>
                      {STATUS_KEY[c.status] ? t(STATUS_KEY[c.status]) : c.status}
                      {c.reason && c.status !== 'active' ? ` (${c.reason})` : ''}
                    </td>
                    <td>
                      {c.restriction.state}
                      {c.restriction.until !== undefined ? ` → ${c.restriction.until === null ? '∞' : when(c.restriction.until, lang)}` : ''}
                    </td>
                    <td>
                      <span className={`colour ${c.quality}`} aria-hidden="true" />
                      {c.quality}
                    </td>
                    <td>{c.held}</td>
                    <td>{c.waiting}</td>
                    <td>{today ? `${today.firstContacts} · ${today.replies} · ${today.failed} · ${today.fromClients}` : '…'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </>
  );
}
