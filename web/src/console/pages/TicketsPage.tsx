import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { when } from '../../shared/format';
import { useLang } from '../../shared/i18n';
import { ErrorNote } from '../ErrorNote';
import { useSession } from '../session';

interface Ticket {
  id: string;
  accountId?: string;
  fromEmail?: string;
  state: 'open' | 'answered' | 'closed';
  createdAt: string;
  entries?: { from: 'user' | 'support'; text: string; at: string; via: 'app' | 'email' }[];
  text?: string;
}

export function TicketsPage() {
  const { t, lang } = useLang();
  const { api } = useSession();
  const client = useQueryClient();
  const [state, setState] = useState('open');
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const list = useQuery({ queryKey: ['tickets', state], queryFn: () => api.get<{ tickets: Ticket[] }>(`/v1/moderation/tickets?state=${state}`).then((r) => r.tickets) });
  const answer = useMutation({
    mutationFn: ({ id, text }: { id: string; text: string }) => api.post(`/v1/moderation/tickets/${encodeURIComponent(id)}/answer`, { text }),
    onSuccess: (_r, v) => {
      setDrafts({ ...drafts, [v.id]: '' });
      return client.invalidateQueries({ queryKey: ['tickets'] });
    },
  });
  return (
    <>
      <h1>{t('tickets')}</h1>
      <label>
        {t('state')}
        <select value={state} onChange={(e) => setState(e.target.value)}>
          <option value="open">{t('open')}</option>
          <option value="answered">answered</option>
          <option value="closed">{t('closed')}</option>
        </select>
      </label>
      <ErrorNote error={list.error ?? answer.error} />
      {list.data?.length === 0 && <p>{t('noTickets')}</p>}
      {list.data?.map((tk) => (
        <article key={tk.id} className="panel" aria-labelledby={`ticket-${tk.id}`}>
          <h2 id={`ticket-${tk.id}`}>
            {tk.id} · {tk.accountId ?? tk.fromEmail} <span className="tag">{tk.state}</span>
          </h2>
          <ol className="evidence">
            {(tk.entries ?? [{ from: 'user' as const, text: tk.text ?? '', at: tk.createdAt, via: 'app' as const }]).map((e, i) => (
              <li key={i}>
                <span className="muted">
                  {e.from === 'user' ? t('user') : t('support')} · {e.via} · {when(e.at, lang)}
                </span>
                <blockquote>{e.text}</blockquote>
              </li>
            ))}
          </ol>
          <label>
            {t('yourAnswer')}
            <textarea value={drafts[tk.id] ?? ''} onChange={(e) => setDrafts({ ...drafts, [tk.id]: e.target.value })} />
          </label>
          <button
            type="button"
            className="primary"
            disabled={!drafts[tk.id]?.trim() || answer.isPending}
            onClick={() => answer.mutate({ id: tk.id, text: drafts[tk.id]!.trim() })}
          >
            {t('answer')}
          </button>
        </article>
      ))}
    </>
  );
}
