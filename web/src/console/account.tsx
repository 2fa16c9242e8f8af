import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { qs } from '../shared/api';
import { when } from '../shared/format';
import { useLang, type Lang, type TextKey } from '../shared/i18n';
import { ErrorNote } from './ErrorNote';
import { can, useSession } from './session';
import { describeEvent, type TimelineEvent } from './timelineText';

/**
 * An account as staff see it: its restriction, strikes and timeline (newest first, paged), and,
 * for support and admin, lifting. Shown on its own page and under a case.
 */

export interface Restriction {
  state: string;
  kind?: string;
  until?: string | null;
  deleteAt?: string;
  publicGroupsBan?: boolean;
}

export interface AccountView {
  account: { id: string; name?: string; username?: string };
  restriction: Restriction;
  strikes: { id: string; policy: string; createdAt: string; expiresAt?: string; removed?: boolean }[];
  events: TimelineEvent[];
  nextCursor?: string;
}

const STATE_KEYS: Partial<Record<string, TextKey>> = {
  free: 'st_free',
  limited: 'st_limited',
  frozen: 'st_frozen',
  banned: 'st_banned',
  open: 'open',
  escalated: 'escalated',
  closed: 'closed',
  answered: 'answered',
  decided: 'decidedState',
};
const KIND_KEYS: Partial<Record<string, TextKey>> = { report: 'kind_report', robot: 'kind_robot', number: 'kind_number', permanent: 'kind_permanent' };

/** An account's, case's, ticket's or appeal's state in the page's language. */
export function stateText(state: string | undefined, t: (k: TextKey) => string): string {
  if (!state) return '—';
  const k = STATE_KEYS[state];
  return k ? t(k) : state;
}

/** "limited (robot) until …", "frozen (scam), to be deleted on …", "free". */
export function restrictionText(r: Restriction, t: (k: TextKey) => string, lang: Lang, now = Date.now()): string {
  let s = stateText(r.state, t);
  if (r.kind) s += ` (${KIND_KEYS[r.kind] ? t(KIND_KEYS[r.kind]!) : r.kind})`;
  if (r.state === 'limited') s += r.until ? ` ${t('until')} ${when(r.until, lang)}` : ` · ${t('noEnd')}`;
  if (r.deleteAt) s += ` · ${t('deletedOn')} ${when(r.deleteAt, lang)}`;
  if (r.publicGroupsBan) s += ` · ${t('publicGroupsBan')}`;
  if (r.until && Date.parse(r.until) <= now) s += ` · ${t('ended')}`;
  return s;
}

export function useAccount(accountId: string | undefined) {
  const { api } = useSession();
  return useInfiniteQuery({
    queryKey: ['timeline', accountId],
    enabled: Boolean(accountId),
    queryFn: ({ pageParam }) => api.get<AccountView>(`/v1/moderation/accounts/${encodeURIComponent(accountId!)}${qs({ cursor: pageParam, limit: 20 })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Restriction and strikes, from the account's first page. */
export function StandingPanel({ view }: { view: AccountView | undefined }) {
  const { t, lang } = useLang();
  return (
    <section className="panel" aria-labelledby="strikes-h">
      <h2 id="strikes-h">{t('strikes')}</h2>
      {view && view.strikes.length > 0 ? (
        <ul>
          {view.strikes.map((s) => (
            <li key={s.id}>
              {s.policy} · {when(s.createdAt, lang)}
              {s.removed ? ` (${t('removed')})` : ''}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('noStrikes')}</p>
      )}
      {view && (
        <p>
          {t('restriction')}: {restrictionText(view.restriction, t, lang)}
        </p>
      )}
      {view && <LiftForm accountId={view.account.id} restriction={view.restriction} />}
    </section>
  );
}

/** Support and admin end every active restriction and the public-groups ban, with a reason. */
function LiftForm({ accountId, restriction }: { accountId: string; restriction: Restriction }) {
  const { t, lang } = useLang();
  const { api, principal } = useSession();
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const lift = useMutation({
    mutationFn: () => api.post<{ restriction: Restriction }>(`/v1/moderation/accounts/${encodeURIComponent(accountId)}/lift`, { reason: reason.trim() }),
    onSuccess: async (r) => {
      setDone(`${t('lifted')} ${restrictionText(r.restriction, t, lang)}`);
      setReason('');
      await client.invalidateQueries({ queryKey: ['timeline', accountId] });
    },
  });
  if (!can(principal, 'support')) return null;
  if (restriction.state === 'free' && !restriction.publicGroupsBan) return done ? <p role="status">{done}</p> : null;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (reason.trim()) lift.mutate();
  }
  return (
    <form onSubmit={submit} aria-labelledby={`lift-${accountId}`}>
      <h3 id={`lift-${accountId}`}>{t('lift')}</h3>
      <p className="muted">{t('liftHint')}</p>
      <div className="row">
        <label style={{ flex: 1 }}>
          {t('reason')}
          <input value={reason} onChange={(e) => setReason(e.target.value)} required />
        </label>
        <button type="submit" className="danger" disabled={!reason.trim() || lift.isPending}>
          {t('lift')}
        </button>
      </div>
      <ErrorNote error={lift.error} />
      {done && <p role="status">{done}</p>}
    </form>
  );
}

/** The account's events, newest first, a page at a time. */
export function TimelinePanel({ query }: { query: ReturnType<typeof useAccount> }) {
  const { t, lang } = useLang();
  const events = query.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <section className="panel" aria-labelledby="timeline-h">
      <h2 id="timeline-h">{t('timeline')}</h2>
      <ErrorNote error={query.error} />
      <ol id="timeline">
        {events.map((e) => {
          const line = describeEvent(e, lang);
          return (
            <li key={e.id} data-type={e.type} title={line.known ? line.raw : undefined}>
              <span className="muted">{when(e.at, lang)}</span> · {line.text}
              {line.known && <code className="event-type">{e.type}</code>}
            </li>
          );
        })}
      </ol>
      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}
