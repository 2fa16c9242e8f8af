import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { when } from '../../shared/format';
import { useLang, type Lang, type TextKey } from '../../shared/i18n';
import { decide, fetchQueue, filtersFrom, POLICIES, type CaseView } from '../cases';
import { ErrorNote } from '../ErrorNote';
import { RobotFindings, type RobotFinding } from '../RobotSignals';
import { can, useSession } from '../session';
import { restrictionText, StandingPanel, stateText, TimelinePanel, useAccount, type Restriction } from '../account';

interface CaseDetail extends CaseView {
  /** The subject with its display name, when it has one (older servers: no name). */
  subject: CaseView['subject'] & { name?: string };
  reports: {
    id: string;
    reason: string;
    reporterId: string;
    createdAt: string;
    comment?: string;
    reporter?: { confirmed: number; dismissed: number; ageDays: number };
  }[];
  evidence: { messageId: string; text: string; sentAt: string; chatId: string }[];
  /** Which robot rules acted about the subject, with the signals that fired (older servers: absent). */
  robots?: RobotFinding[];
}

/** What a decision does, in the page's language: "limited (after reports) until …", "frozen …", "banned", and a takedown. */
function sanctionText(s: Record<string, unknown>, t: (k: TextKey) => string, lang: Lang): string {
  const text = restrictionText(s as unknown as Restriction, t, lang);
  return s.takedown ? `${text} · ${t('takedown')}` : text;
}

/** The case page, fresh for every case: nothing typed for one (a note, a policy) carries to the next. */
export function CasePage() {
  const { id = '' } = useParams();
  return <OneCase key={id} id={id} />;
}

function OneCase({ id }: { id: string }) {
  const [search] = useSearchParams();
  const { t, lang } = useLang();
  const { api, principal } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [policy, setPolicy] = useState('spam');
  const [note, setNote] = useState('');
  const [next, setNext] = useState(true);
  const [outcome, setOutcome] = useState<string | null>(null);

  // Opening the case is the recorded evidence view: fetched once, never refetched behind the moderator's back.
  const detail = useQuery({
    queryKey: ['case', id],
    queryFn: () => api.get<{ case: CaseDetail }>(`/v1/moderation/cases/${encodeURIComponent(id)}`).then((r) => r.case),
    staleTime: Infinity,
    refetchOnMount: false,
  });
  const c = detail.data;
  const subject = c?.subject.accountId;
  const timeline = useAccount(subject);
  const mayConfirm = can(principal, 'moderator');
  const mayDecide = can(principal, 'triage', 'moderator');
  const preview = useQuery({
    queryKey: ['preview', id, policy],
    enabled: Boolean(c) && c?.state !== 'closed' && mayConfirm,
    queryFn: () => api.post<{ sanction?: Record<string, unknown> }>(`/v1/moderation/cases/${encodeURIComponent(id)}/preview`, { action: 'confirm', policy }),
  });

  const decision = useMutation({
    mutationFn: async (action: 'confirm' | 'dismiss' | 'escalate') => decide(api, id, action, action === 'confirm' ? policy : undefined, note || undefined),
    onSuccess: async (r, action) => {
      // The page shows the case as it is now (escalated, closed): no decision is offered twice.
      // (a closed case's view leaves `claimedBy` out: its claim ended with the decision)
      client.setQueryData(['case', id], (old: CaseDetail | undefined) =>
        old ? { ...old, ...r.case, subject: old.subject, claimedBy: r.case.claimedBy } : old,
      );
      setOutcome(`${t('decided')}: ${t(action)}${r.sanction ? ` → ${sanctionText(r.sanction, t, lang)}` : ''}`);
      await client.invalidateQueries({ queryKey: ['queue'] });
      await client.invalidateQueries({ queryKey: ['timeline', subject] });
      if (next && r.case.state === 'closed') await openNext();
    },
  });
  const claim = useMutation({
    mutationFn: (how: 'claim' | 'release') => api.post<{ case: CaseView }>(`/v1/moderation/cases/${encodeURIComponent(id)}/${how}`),
    onSuccess: (r) => client.setQueryData(['case', id], (old: CaseDetail | undefined) => (old ? { ...old, claimedBy: r.case.claimedBy } : old)),
  });

  async function openNext() {
    const page = await fetchQueue(api, filtersFrom(search));
    const other = page.cases.find((x) => x.id !== id && x.state !== 'closed');
    if (other) navigate(`/cases/${encodeURIComponent(other.id)}?${search.toString()}`);
    else navigate(`/?${search.toString()}`);
  }

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const target = e.target as HTMLElement;
      if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || e.metaKey || e.ctrlKey || e.altKey || decision.isPending) return;
      const decidable = c !== undefined && c.state !== 'closed';
      if (e.key === 'c' && decidable && mayConfirm) decision.mutate('confirm');
      else if (e.key === 'd' && decidable && mayDecide) decision.mutate('dismiss');
      else if (e.key === 'e' && decidable && mayDecide && c.state !== 'escalated') decision.mutate('escalate');
      else if (e.key === 'n') void openNext();
      else return;
      e.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!c) return <p>{t('loading')}</p>;
  const first = timeline.data?.pages[0];
  const open = c.state !== 'closed';
  // Claiming is for those who decide; releasing, for the one who claimed (or an admin).
  const mine = c.claimedBy === principal.id;
  const claimAction = !open || !mayDecide ? null : !c.claimedBy ? 'claim' : mine || principal.role === 'admin' ? 'release' : null;

  return (
    <>
      <p>
        <Link to={`/?${search.toString()}`}>← {t('backToQueue')}</Link>
      </p>
      <h1>
        {t('case')} {c.id} ·{' '}
        <Link to={`/accounts/${encodeURIComponent(c.subject.accountId)}`}>
          {c.subject.name ? `${c.subject.name} (${c.subject.accountId})` : c.subject.accountId}
        </Link>
        {c.subject.chatId ? ` · ${c.subject.chatId}` : ''}
      </h1>
      <p className="notice" role="note">
        {t('evidenceRecorded')}
      </p>
      <div className="panel">
        <div className="row">
          <span className="tag">{stateText(c.state, t)}</span>
          <span>
            {t('priority')}: {c.priority.toFixed(1)}
          </span>
          <span>
            {t('reports')}: {c.reportCount}
          </span>
          <span>{c.reasons.join(', ')}</span>
          <span>
            {t('claimedBy')}: {c.claimedBy ?? '—'}
          </span>
          {claimAction && (
            <button type="button" onClick={() => claim.mutate(claimAction)} disabled={claim.isPending}>
              {t(claimAction)}
            </button>
          )}
        </div>
        <ErrorNote error={claim.error} />
      </div>
      <div className="grid">
        <section className="panel" aria-labelledby="evidence-h">
          <h2 id="evidence-h">{t('evidence')}</h2>
          {c.evidence.length === 0 && <p className="muted">{c.reportCount === 0 ? t('noEvidenceRobot') : t('noEvidence')}</p>}
          <ul className="evidence">
            {c.evidence.map((m) => (
              <li key={m.messageId}>
                <span className="muted">
                  {m.messageId} · {m.chatId} · {when(m.sentAt, lang)}
                </span>
                <blockquote>{m.text}</blockquote>
              </li>
            ))}
          </ul>
        </section>
        <section className="panel" aria-labelledby="reporters-h">
          <h2 id="reporters-h">{t('reporters')}</h2>
          {c.reports.length === 0 ? (
            <p className="muted">{t('noReports')}</p>
          ) : (
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">{t('account')}</th>
                  <th scope="col">{t('reason')}</th>
                  <th scope="col">{t('accuracy')}</th>
                  <th scope="col">{t('age')}</th>
                </tr>
              </thead>
              <tbody>
                {c.reports.map((r) => (
                  <tr key={r.id}>
                    <td>{r.reporterId}</td>
                    <td>
                      {r.reason}
                      {r.comment && <div className="muted">{r.comment}</div>}
                    </td>
                    <td>{r.reporter ? `✓ ${r.reporter.confirmed} · ✗ ${r.reporter.dismissed}` : '—'}</td>
                    <td>{r.reporter ? `${r.reporter.ageDays} ${t('daysShort')}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {open && mayDecide && (
        <section className="panel" aria-labelledby="decide-h">
          <h2 id="decide-h">
            {t('confirm')} / {t('dismiss')} / {t('escalate')}
          </h2>
          <div className="row">
            {mayConfirm && (
              <label>
                {t('policy')}
                <select value={policy} onChange={(e) => setPolicy(e.target.value)}>
                  {POLICIES.map((p) => (
                    <option key={p}>{p}</option>
                  ))}
                </select>
              </label>
            )}
            <label style={{ flex: 1 }}>
              {t('note')}
              <input value={note} onChange={(e) => setNote(e.target.value)} />
            </label>
          </div>
          <p aria-live="polite">
            {preview.data?.sanction ? (
              <>
                {t('ladderWill')} <strong>{sanctionText(preview.data.sanction, t, lang)}</strong>
              </>
            ) : preview.data ? (
              t('previewNothing')
            ) : null}
          </p>
          <ErrorNote error={preview.error} />
          <div className="row">
            {mayConfirm && (
              <button type="button" className="danger" disabled={decision.isPending} onClick={() => decision.mutate('confirm')}>
                {t('confirm')} (c)
              </button>
            )}
            <button type="button" disabled={decision.isPending} onClick={() => decision.mutate('dismiss')}>
              {t('dismiss')} (d)
            </button>
            {c.state !== 'escalated' && (
              <button type="button" disabled={decision.isPending} onClick={() => decision.mutate('escalate')}>
                {t('escalate')} (e)
              </button>
            )}
            <label className="inline">
              <input type="checkbox" checked={next} onChange={(e) => setNext(e.target.checked)} />
              {t('decideNext')}
            </label>
          </div>
          <ErrorNote error={decision.error} />
        </section>
      )}
      {outcome && (
        <p role="status" className="notice">
          {outcome}
        </p>
      )}
      <div className="grid">
        <section className="panel" aria-labelledby="signals-h">
          <h2 id="signals-h">{t('robotSignals')}</h2>
          <RobotFindings findings={c.robots ?? []} />
        </section>
        <StandingPanel view={first} />
      </div>
      <TimelinePanel query={timeline} />
    </>
  );
}
