import { useInfiniteQuery } from '@tanstack/react-query';
import { qs } from '../../shared/api';
import { when } from '../../shared/format';
import { ScrollRegion } from '../../shared/ScrollRegion';
import { useLang } from '../../shared/i18n';
import { Chart, color } from '../../shared/Chart';
import { ErrorNote } from '../ErrorNote';
import { effectText, signalLine, type RobotSignal } from '../RobotSignals';
import { useSession } from '../session';
import { useFigures } from './OverviewPage';

interface RobotRecord {
  id: string;
  at: string;
  kind: 'shadow' | 'false_positive';
  rule: string;
  accountId?: string;
  effect?: Record<string, unknown>;
  why?: string;
  signals?: RobotSignal[];
  appealId?: string;
  restrictionId?: string;
}

/** One kind of the robots' records, newest first, a page at a time. */
function useRecords(kind: RobotRecord['kind']) {
  const { api } = useSession();
  return useInfiniteQuery({
    queryKey: ['robot-records', kind],
    queryFn: ({ pageParam }) =>
      api.get<{ records: RobotRecord[]; nextCursor?: string }>(`/v1/console/robots/records${qs({ kind, cursor: pageParam, limit: 25 })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Shadow results (what rules would have done, and why not) and the false positives appeals found. */
function RobotRecords() {
  const { t, lang } = useLang();
  const shadow = useRecords('shadow');
  const fp = useRecords('false_positive');
  const shadows = shadow.data?.pages.flatMap((p) => p.records) ?? [];
  const fps = fp.data?.pages.flatMap((p) => p.records) ?? [];
  return (
    <div className="grid" style={{ marginTop: 12 }}>
      <div className="panel">
        <h2 id="fp-h">{t('falsePositiveRecords')}</h2>
        <ErrorNote error={fp.error} />
        {fp.data && fps.length === 0 ? (
          <p className="muted">{t('noFalsePositives')}</p>
        ) : (
          <ScrollRegion label={t('falsePositiveRecords')}>
            <table className="list" data-testid="false-positives">
              <thead>
                <tr>
                  <th scope="col">{t('at')}</th>
                  <th scope="col">{t('robot')}</th>
                  <th scope="col">{t('account')}</th>
                  <th scope="col">{t('appeal')}</th>
                </tr>
              </thead>
              <tbody>
                {fps.map((r) => (
                  <tr key={r.id}>
                    <td>{when(r.at, lang)}</td>
                    <th scope="row">{r.rule}</th>
                    <td>{r.accountId ?? '—'}</td>
                    <td>{r.appealId ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
        {fp.hasNextPage && (
          <button type="button" onClick={() => void fp.fetchNextPage()}>
            {t('loadMore')}
          </button>
        )}
      </div>
      <div className="panel">
        <h2 id="shadow-h">{t('shadowRecords')}</h2>
        <ErrorNote error={shadow.error} />
        {shadow.data && shadows.length === 0 ? (
          <p className="muted">{t('noShadowRecords')}</p>
        ) : (
          <ScrollRegion label={t('shadowRecords')}>
            <table className="list" data-testid="shadow-results">
              <thead>
                <tr>
                  <th scope="col">{t('at')}</th>
                  <th scope="col">{t('robot')}</th>
                  <th scope="col">{t('account')}</th>
                  <th scope="col">{t('wouldHave')}</th>
                  <th scope="col">{t('why')}</th>
                  <th scope="col">{t('signals')}</th>
                </tr>
              </thead>
              <tbody>
                {shadows.map((r) => (
                  <tr key={r.id}>
                    <td>{when(r.at, lang)}</td>
                    <th scope="row">{r.rule}</th>
                    <td>{r.accountId ?? '—'}</td>
                    <td>{effectText(r.effect)}</td>
                    <td>{r.why ?? ''}</td>
                    <td>{(r.signals ?? []).map(signalLine).join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
        {shadow.hasNextPage && (
          <button type="button" onClick={() => void shadow.fetchNextPage()}>
            {t('loadMore')}
          </button>
        )}
      </div>
    </div>
  );
}

export function RobotsPage() {
  const { t } = useLang();
  const figures = useFigures();
  const f = figures.data;
  return (
    <>
      <h1>{t('robots')}</h1>
      <p className="muted">{t('lastHour')}</p>
      <ErrorNote error={figures.error} />
      {f && (
        <>
          <ScrollRegion label={t('robots')}>
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">{t('robot')}</th>
                  <th scope="col">{t('state')}</th>
                  <th scope="col">{t('actions')}</th>
                  <th scope="col">{t('shadowed')}</th>
                  <th scope="col">{t('falsePositives')}</th>
                  <th scope="col">{t('breaker')}</th>
                </tr>
              </thead>
              <tbody>
                {f.robots.map((r) => (
                  <tr key={r.rule}>
                    <th scope="row">{r.rule}</th>
                    <td>{r.shadow ? t('shadow') : t('live')}</td>
                    <td>{r.actions.reduce((a, b) => a + b, 0)}</td>
                    <td>{r.shadowed.reduce((a, b) => a + b, 0)}</td>
                    <td>{r.falsePositives.reduce((a, b) => a + b, 0)}</td>
                    <td className={r.tripped ? 'danger-text' : 'ok'}>
                      {r.actionsToday} / {r.dailyCap} · {r.tripped ? t('tripped') : t('armed')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <div className="grid" style={{ marginTop: 12 }}>
            <Chart title={t('actions')} at={f.at} lines={f.robots.map((r, i) => ({ label: r.rule, values: r.actions, color: color(i) }))} />
            <Chart title={t('shadowed')} at={f.at} lines={f.robots.map((r, i) => ({ label: r.rule, values: r.shadowed, color: color(i) }))} />
            <Chart title={t('falsePositives')} at={f.at} lines={f.robots.map((r, i) => ({ label: r.rule, values: r.falsePositives, color: color(i) }))} />
          </div>
        </>
      )}
      <RobotRecords />
    </>
  );
}
