import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, qs } from '../../shared/api';
import { when } from '../../shared/format';
import { useLang } from '../../shared/i18n';
import { stateText } from '../account';
import { ErrorNote } from '../ErrorNote';
import { fill } from '../timelineText';
import { useSession } from '../session';

interface Ticket {
  id: string;
  accountId?: string;
  fromEmail?: string;
  state: 'open' | 'answered' | 'closed';
  createdAt: string;
  closedAt?: string;
  entries?: { from: 'user' | 'support'; text: string; at: string; via: 'app' | 'email' }[];
  text?: string;
}

export function TicketsPage() {
  const { t, lang } = useLang();
  const { api } = useSession();
  const client = useQueryClient();
  const [state, setState] = useState('open');
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const pages = useInfiniteQuery({
    queryKey: ['tickets', state],
    queryFn: ({ pageParam }) => api.get<{ tickets: Ticket[]; nextCursor?: string }>(`/v1/moderation/tickets${qs({ state, cursor: pageParam, limit: 50 })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  const list = { data: pages.data ? pages.data.pages.flatMap((p) => p.tickets) : undefined, error: pages.error };
  const answer = useMutation({
    mutationFn: ({ id, text }: { id: string; text: string }) => api.post(`/v1/moderation/tickets/${encodeURIComponent(id)}/answer`, { text }),
    onSuccess: (_r, v) => {
      setDrafts({ ...drafts, [v.id]: '' });
      return client.invalidateQueries({ queryKey: ['tickets'] });
    },
  });
  const close = useMutation({
    mutationFn: (id: string) => api.post(`/v1/moderation/tickets/${encodeURIComponent(id)}/close`, {}),
    onSuccess: () => client.invalidateQueries({ queryKey: ['tickets'] }),
    // Closed meanwhile by someone else: the list catches up.
    onError: (e) => (e instanceof ApiError && e.code === 'TICKET_CLOSED' ? client.invalidateQueries({ queryKey: ['tickets'] }) : undefined),
  });
  return (
    <>
      <h1>{t('tickets')}</h1>
      <label>
        {t('state')}
        <select value={state} onChange={(e) => setState(e.target.value)}>
          <option value="open">{t('open')}</option>
          <option value="answered">{t('answered')}</option>
          <option value="closed">{t('closed')}</option>
        </select>
      </label>
      <ErrorNote error={list.error ?? answer.error ?? close.error} />
      {list.data?.length === 0 && <p>{t('noTickets')}</p>}
      {list.data?.map((tk) => (
        <article key={tk.id} className="panel" aria-labelledby={`ticket-${tk.id}`}>
          <h2 id={`ticket-${tk.id}`}>
            {tk.id} · {tk.accountId ? <Link to={`/accounts/${encodeURIComponent(tk.accountId)}`}>{tk.accountId}</Link> : tk.fromEmail}{' '}
            <span className="tag">{stateText(tk.state, t)}</span>
          </h2>
          <ol className="evidence">
            {(tk.entries ?? [{ from: 'user' as const, text: tk.text ?? '', at: tk.createdAt, via: 'app' as const }]).map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a thread only grows at its end, so an entry's place is its identity
              <li key={i}>
                <span className="muted">
                  {e.from === 'user' ? t('user') : t('support')} · {e.via} · {when(e.at, lang)}
                </span>
                <blockquote>{e.text}</blockquote>
              </li>
            ))}
          </ol>
          {tk.state === 'closed' ? (
            tk.closedAt && <p className="muted">{fill(t('closedAt'), { at: when(tk.closedAt, lang) })}</p>
          ) : (
            <>
              <label>
                {t('yourAnswer')}
                <textarea value={drafts[tk.id] ?? ''} onChange={(e) => setDrafts({ ...drafts, [tk.id]: e.target.value })} />
              </label>
              <div className="row">
                <button
                  type="button"
                  className="primary"
                  disabled={!drafts[tk.id]?.trim() || answer.isPending}
                  onClick={() => answer.mutate({ id: tk.id, text: drafts[tk.id]!.trim() })}
                >
                  {t('answer')}
                </button>
                <button type="button" disabled={close.isPending} onClick={() => close.mutate(tk.id)}>
                  {t('closeTicket')}
                </button>
              </div>
            </>
          )}
        </article>
      ))}
      {pages.hasNextPage && (
        <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      )}
    </>
  );
}
