import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../../shared/api';
import { useLang } from '../../shared/i18n';
import { ErrorNote } from '../ErrorNote';
import { useSession } from '../session';

interface Connection {
  scopeId: string;
  businessAccountId: string;
  status?: string;
  quality?: 'green' | 'yellow' | 'red';
  held?: number;
  restriction?: { state: string; until?: string | null };
  [k: string]: unknown;
}

export function CrmPage() {
  const { t } = useLang();
  const { api } = useSession();
  const list = useQuery({
    queryKey: ['crm'],
    queryFn: async () => {
      try {
        return (await api.get<{ connections: Connection[] }>('/v1/crm/amocrm/connections')).connections;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return [];
        throw e;
      }
    },
    refetchInterval: 30_000,
  });
  return (
    <>
      <h1>{t('crm')}</h1>
      <ErrorNote error={list.error} />
      {list.data?.length === 0 && <p>{t('noCrm')}</p>}
      {list.data && list.data.length > 0 && (
        <div className="scroll" tabIndex={0} role="region" aria-label={t('crm')}>
          <table className="list">
            <thead>
              <tr>
                <th scope="col">scope</th>
                <th scope="col">{t('account')}</th>
                <th scope="col">{t('restriction')}</th>
                <th scope="col">{t('quality')}</th>
                <th scope="col">{t('held')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.scopeId}>
                  <td>{c.scopeId}</td>
                  <td>{c.businessAccountId}</td>
                  <td>{c.restriction?.state ?? c.status ?? '—'}</td>
                  <td>
                    {c.quality && <span className={`colour ${c.quality}`} aria-hidden="true" />}
                    {c.quality ?? '—'}
                  </td>
                  <td>{c.held ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
