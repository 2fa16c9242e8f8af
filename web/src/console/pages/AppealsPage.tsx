import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { when } from '../../shared/format';
import { useLang } from '../../shared/i18n';
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
  restriction: { state?: string; kind?: string; until?: string | null; robot?: boolean; rule?: string } & Record<string, unknown>;
}

export function AppealsPage() {
  const { t, lang } = useLang();
  const { api } = useSession();
  const client = useQueryClient();
  const [notes, setNotes] = useState<Record<string, string>>({});
  const list = useQuery({ queryKey: ['appeals'], queryFn: () => api.get<{ appeals: Appeal[] }>('/v1/moderation/appeals?state=open').then((r) => r.appeals) });
  const decide = useMutation({
    mutationFn: ({ id, outcome }: { id: string; outcome: 'overturn' | 'uphold' }) =>
      api.post(`/v1/moderation/appeals/${encodeURIComponent(id)}/decision`, { outcome, ...(notes[id] ? { note: notes[id] } : {}) }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['appeals'] }),
  });
  return (
    <>
      <h1>{t('appeals')}</h1>
      <ErrorNote error={list.error ?? decide.error} />
      {list.data?.length === 0 && <p>{t('noAppeals')}</p>}
      {list.data?.map((a) => (
        <article key={a.id} className="panel" aria-labelledby={`appeal-${a.id}`}>
          <h2 id={`appeal-${a.id}`}>
            {a.id} · {a.accountId} {a.restriction.robot ? <span className="tag robot">{t('robotMade')}</span> : null}
          </h2>
          <p>
            {t('restriction')}: {a.restriction.state ?? '—'} {a.restriction.kind ? `(${a.restriction.kind})` : ''}
            {a.restriction.until ? ` → ${when(a.restriction.until, lang)}` : ''}
          </p>
          <p>
            {t('created')}: {when(a.createdAt, lang)} · {t('due')}: {when(a.dueAt, lang)}{' '}
            {a.overdue && <span className="tag overdue">{t('overdue')}</span>}
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
    </>
  );
}
