import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { when } from '../../shared/format';
import { ScrollRegion } from '../../shared/ScrollRegion';
import { useLang } from '../../shared/i18n';
import { decide, fetchQueue, FILTER_KEYS, filtersFrom, isRobotCase, onePerSubject, POLICIES, REASONS, type CaseView, type QueueFilters } from '../cases';
import { ErrorNote, useErrorText } from '../ErrorNote';
import { can, useSession } from '../session';

interface SavedQueue {
  name: string;
  filters: QueueFilters;
}

function loadSaved(): SavedQueue[] {
  try {
    return JSON.parse(localStorage.getItem('banya.queues') ?? '[]') as SavedQueue[];
  } catch {
    return [];
  }
}

export function QueuePage() {
  const { t, lang } = useLang();
  const { api, principal } = useSession();
  const mayConfirm = can(principal, 'moderator');
  const mayDecide = can(principal, 'triage', 'moderator');
  const client = useQueryClient();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => filtersFrom(search), [search]);
  const [saved, setSaved] = useState<SavedQueue[]>(loadSaved);
  const [queueName, setQueueName] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [current, setCurrent] = useState(0);
  const [bulk, setBulk] = useState<null | 'confirm' | 'dismiss'>(null);
  const [bulkResult, setBulkResult] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const errorText = useErrorText();

  const queue = useInfiniteQuery({
    queryKey: ['queue', filters],
    queryFn: ({ pageParam }) => fetchQueue(api, filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  const cases = useMemo(() => queue.data?.pages.flatMap((p) => p.cases) ?? [], [queue.data]);
  const caseLink = (c: CaseView) => `/cases/${encodeURIComponent(c.id)}?${search.toString()}`;

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const target = e.target as HTMLElement;
      // Keys typed into a field are not shortcuts; nor is Enter on a link or a button (it is that control's).
      if (target.closest('input, select, textarea, [contenteditable="true"]') || e.metaKey || e.ctrlKey || e.altKey) return;
      if ((e.key === 'Enter' || e.key === ' ') && target.closest('a, button, summary')) return;
      if (e.key === 'j') setCurrent((i) => Math.min(i + 1, Math.max(0, cases.length - 1)));
      else if (e.key === 'k') setCurrent((i) => Math.max(0, i - 1));
      else if (e.key === 'Enter' && cases[current]) navigate(caseLink(cases[current]!));
      else if (e.key === 'x' && cases[current]) toggle(cases[current]!.id);
      else return;
      e.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  function setFilter(k: keyof QueueFilters, v: string) {
    const next = new URLSearchParams(search);
    if (v) next.set(k, v);
    else next.delete(k);
    // Only closed cases have a policy: leaving them leaves the policy filter too.
    if (k === 'state' && v !== 'closed') next.delete('policy');
    setSearch(next);
    setSelected(new Set());
    setCurrent(0);
  }
  function toggle(id: string) {
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  }
  function saveQueue() {
    if (!queueName.trim()) return;
    const next = [...saved.filter((q) => q.name !== queueName.trim()), { name: queueName.trim(), filters }];
    localStorage.setItem('banya.queues', JSON.stringify(next));
    setSaved(next);
    setQueueName('');
  }
  function removeQueue(name: string) {
    const next = saved.filter((q) => q.name !== name);
    localStorage.setItem('banya.queues', JSON.stringify(next));
    setSaved(next);
  }
  function openBulk(kind: 'confirm' | 'dismiss') {
    opener.current = document.activeElement as HTMLElement | null;
    setBulk(kind);
    setBulkResult(null);
    dialog.current?.showModal();
  }
  const chosen = cases.filter((c) => selected.has(c.id));
  const plan = bulk === 'confirm' ? onePerSubject(chosen) : { keep: chosen, leftOut: [] };
  async function runBulk() {
    let ok = 0;
    const failed: string[] = [];
    for (const c of plan.keep) {
      try {
        await decide(api, c.id, bulk!, bulk === 'confirm' ? 'spam' : undefined);
        ok++;
      } catch (e) {
        failed.push(`${c.id}: ${errorText(e)}`);
      }
    }
    setBulkResult(`${t('done')}: ${ok}${failed.length ? ` · ${failed.join('; ')}` : ''}`);
    setSelected(new Set());
    await client.invalidateQueries({ queryKey: ['queue'] });
  }

  const select = (k: keyof QueueFilters, label: string, options: [string, string][]) => (
    <label>
      {label}
      <select value={filters[k] ?? ''} onChange={(e) => setFilter(k, e.target.value)}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      <h1>{t('queue')}</h1>
      <section className="panel" aria-label={t('savedQueues')}>
        <div className="row">
          {select('state', t('state'), [
            ['', t('openAndEscalated')],
            ['open', t('open')],
            ['escalated', t('escalated')],
            ['closed', t('closed')],
          ])}
          {/* A policy is the decision's: only closed cases have one. */}
          {(filters.state === 'closed' || filters.policy) && select('policy', t('policy'), [['', t('any')], ...POLICIES.map((p): [string, string] => [p, p])])}
          {select('reason', t('reason'), [['', t('any')], ...REASONS.map((r): [string, string] => [r, r])])}
          {select('origin', t('origin'), [
            ['', t('any')],
            ['robot', t('robot')],
            ['human', t('human')],
          ])}
          {select('place', t('place'), [
            ['', t('any')],
            ['private', t('privateChat')],
            ['group', t('group')],
          ])}
          {select('language', t('language'), [
            ['', t('any')],
            ['en', 'English'],
            ['ru', 'Русский'],
          ])}
        </div>
        <div className="row" style={{ marginTop: 8 }}>
          <span className="muted">{t('savedQueues')}:</span>
          {saved.map((q) => (
            <span key={q.name} className="row">
              <button
                type="button"
                onClick={() => {
                  const next = new URLSearchParams();
                  for (const k of FILTER_KEYS) if (q.filters[k]) next.set(k, q.filters[k]!);
                  setSearch(next);
                }}
              >
                {q.name}
              </button>
              <button type="button" aria-label={`${t('remove')} ${q.name}`} onClick={() => removeQueue(q.name)}>
                ×
              </button>
            </span>
          ))}
          <label className="inline">
            <span className="visually-hidden">{t('queueName')}</span>
            <input placeholder={t('queueName')} value={queueName} onChange={(e) => setQueueName(e.target.value)} />
          </label>
          <button type="button" onClick={saveQueue} disabled={!queueName.trim()}>
            {t('saveQueue')}
          </button>
        </div>
      </section>
      <p className="muted">{t('shortcuts')}</p>
      {mayDecide && (
        <div className="row" style={{ marginBottom: 8 }}>
          <button type="button" disabled={chosen.length === 0} onClick={() => openBulk('dismiss')}>
            {t('bulkDismiss')} ({chosen.length})
          </button>
          {mayConfirm && (
            <button type="button" className="primary" disabled={chosen.length === 0} onClick={() => openBulk('confirm')}>
              {t('bulkConfirm')} ({chosen.length})
            </button>
          )}
          {bulkResult && <span role="status">{bulkResult}</span>}
        </div>
      )}
      <ErrorNote error={queue.error} />
      <ScrollRegion label={t('queue')}>
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t('select')}</th>
              <th scope="col">{t('case')}</th>
              <th scope="col">{t('priority')}</th>
              <th scope="col">{t('subject')}</th>
              <th scope="col">{t('reports')}</th>
              <th scope="col" className="hide-narrow">
                {t('created')}
              </th>
              <th scope="col">{t('claimedBy')}</th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c, i) => (
              <tr key={c.id} className={i === current ? 'current' : undefined} aria-current={i === current ? 'true' : undefined}>
                <td>
                  <input type="checkbox" aria-label={`${t('select')} ${c.id}`} checked={selected.has(c.id)} onChange={() => toggle(c.id)} />
                </td>
                <td>
                  <Link to={caseLink(c)}>{c.id}</Link> {isRobotCase(c) && <span className="tag robot">{t('robot')}</span>}
                  {c.state === 'escalated' && <span className="tag">{t('escalated')}</span>}
                  <div className="muted">{c.reasons.join(', ')}</div>
                </td>
                <td>{c.priority.toFixed(1)}</td>
                <td>
                  {c.subject.accountId}
                  {c.subject.chatId && <div className="muted">{c.subject.chatId}</div>}
                </td>
                <td>{c.reportCount}</td>
                <td className="hide-narrow">{when(c.createdAt, lang)}</td>
                <td>{c.claimedBy ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {queue.isPending && <p>{t('loading')}</p>}
      {!queue.isPending && !queue.error && cases.length === 0 && <p>{t('noCases')}</p>}
      {queue.hasNextPage && (
        <button type="button" onClick={() => void queue.fetchNextPage()} disabled={queue.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      )}
      <dialog
        ref={dialog}
        aria-labelledby="bulk-title"
        onClose={() => {
          setBulk(null);
          // Back to where one was: the button that opened it (or the table, if it is gone).
          (opener.current?.isConnected ? opener.current : document.getElementById('content'))?.focus();
        }}
      >
        <h2 id="bulk-title">{t('bulkTitle')}</h2>
        <p>
          {t('bulkWill')} <strong>{bulk === 'confirm' ? `${t('confirm')} (spam)` : t('dismiss')}</strong>
        </p>
        <ul>
          {plan.keep.map((c) => (
            <li key={c.id}>
              {c.id} — {c.subject.accountId}
            </li>
          ))}
        </ul>
        {plan.leftOut.length > 0 && (
          <>
            <p className="notice">{t('bulkOnePerSubject')}</p>
            <ul>
              {plan.leftOut.map((c) => (
                <li key={c.id}>
                  {c.id} — {c.subject.accountId}
                </li>
              ))}
            </ul>
          </>
        )}
        {bulkResult && <p role="status">{bulkResult}</p>}
        <div className="row">
          <button type="button" onClick={() => dialog.current?.close()}>
            {bulkResult ? t('done') : t('cancel')}
          </button>
          {!bulkResult && (
            <button type="button" className={bulk === 'confirm' ? 'danger' : 'primary'} onClick={() => void runBulk()} disabled={plan.keep.length === 0}>
              {t('proceed')}
            </button>
          )}
        </div>
      </dialog>
    </>
  );
}
