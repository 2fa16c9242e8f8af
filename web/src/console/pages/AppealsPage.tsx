import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, qs } from '../../shared/api';
import { when } from '../../shared/format';
import { useLang } from '../../shared/i18n';
import { restrictionText, type Restriction } from '../account';
import { ErrorNote } from '../ErrorNote';
import { useSession } from '../session';

interface Appeal {
  id: string;
  accountId: string;
  state: 'open' | 'decided';
  outcome?: string;
  text: string;
  createdAt: string;
  dueAt: string;
  overdue: boolean;
  /** The restriction appealed against, as it was when the appeal was filed. */
  restriction: Partial<Restriction> & { rule?: string } & Record<string, unknown>;
  /** The restriction was made by a robot rule (such appeals come first), and which. */
  robot?: boolean;
  rule?: string;
  /** The contact address a frozen account gave with its appeal. */
  email?: string;
}

export function AppealsPage() {
  const { t, lang } = useLang();
  const { api } = useSession();
  const client = useQueryClient();
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: ['appeals'],
    queryFn: ({ pageParam }) =>
      api.get<{ appeals: Appeal[]; nextCursor?: string }>(`/v1/moderation/appeals${qs({ state: 'open', cursor: pageParam, limit: 50 })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  const appeals = list.data?.pages.flatMap((p) => p.appeals) ?? [];
  const decide = useMutation({
    mutationFn: ({ id, outcome }: { id: string; outcome: 'overturn' | 'uphold' }) =>
      api.post(`/v1/moderation/appeals/${encodeURIComponent(id)}/decision`, { outcome, ...(notes[id] ? { note: notes[id] } : {}) }),
    onMutate: () => setDone(null),
    onSuccess: (_r, v) => {
      setDone(
        t('appealDone')
          .replace('{appeal}', v.id)
          .replace('{outcome}', t(v.outcome === 'overturn' ? 'overturned' : 'upheld')),
      );
      return client.invalidateQueries({ queryKey: ['appeals'] });
    },
    // Decided by someone else meanwhile: the list is refreshed so that it is not offered again.
    onError: (e) => (e instanceof ApiError && e.code === 'APPEAL_ALREADY_DECIDED' ? client.invalidateQueries({ queryKey: ['appeals'] }) : undefined),
  });
  return (
    <>
      <h1>{t('appeals')}</h1>
      <ErrorNote error={list.error ?? decide.error} />
      {done && (
        <p role="status" className="notice">
          {done}
        </p>
      )}
      {list.data && appeals.length === 0 && <p>{t('noAppeals')}</p>}
      {appeals.map((a) => (
        <article key={a.id} className="panel" aria-labelledby={`appeal-${a.id}`}>
          <h2 id={`appeal-${a.id}`}>
            {a.id} · <Link to={`/accounts/${encodeURIComponent(a.accountId)}`}>{a.accountId}</Link>{' '}
            {a.robot || a.restriction.robot ? <span className="tag robot">{t('robotMade')}</span> : null}
          </h2>
          <p>
            {t('restriction')}: {a.restriction.state ? restrictionText(a.restriction as Restriction, t, lang) : '—'}
            {(a.rule ?? a.restriction.rule) ? ` · ${a.rule ?? a.restriction.rule}` : ''}
          </p>
          {a.email && (
            <p>
              {t('contactEmail')}: {a.email}
            </p>
          )}
          <p>
            {t('created')}: {when(a.createdAt, lang)} · {t('due')}: {when(a.dueAt, lang)} {a.overdue && <span className="tag overdue">{t('overdue')}</span>}
          </p>
          <blockquote className="evidence">{a.text}</blockquote>
          <div className="row">
            <label style={{ flex: 1 }}>
              {t('note')}
              <input value={notes[a.id] ?? ''} onChange={(e) => setNotes({ ...notes, [a.id]: e.target.value })} />
            </label>
            <button type="button" className="primary" disabled={decide.isPending} onClick={() => decide.mutate({ id: a.id, outcome: 'overturn' })}>
              {t('overturn')}
            </button>
            <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ id: a.id, outcome: 'uphold' })}>
              {t('uphold')}
            </button>
          </div>
        </article>
      ))}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      )}
    </>
  );
}
