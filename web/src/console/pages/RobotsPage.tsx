import { useLang } from '../../shared/i18n';
import { Chart, color } from '../../shared/Chart';
import { ErrorNote } from '../ErrorNote';
import { useFigures } from './OverviewPage';

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
          <div className="scroll" tabIndex={0} role="region" aria-label={t('robots')}>
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
          </div>
          <div className="grid" style={{ marginTop: 12 }}>
            <Chart title={t('actions')} at={f.at} lines={f.robots.map((r, i) => ({ label: r.rule, values: r.actions, color: color(i) }))} />
            <Chart title={t('shadowed')} at={f.at} lines={f.robots.map((r, i) => ({ label: r.rule, values: r.shadowed, color: color(i) }))} />
            <Chart title={t('falsePositives')} at={f.at} lines={f.robots.map((r, i) => ({ label: r.rule, values: r.falsePositives, color: color(i) }))} />
          </div>
        </>
      )}
    </>
  );
}
