import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Chart, color } from '../../shared/Chart';
import { useLang } from '../../shared/i18n';
import { ErrorNote } from '../ErrorNote';
import { useSession } from '../session';
import type { Figures } from './figures';

export function useFigures() {
  const { api } = useSession();
  return useQuery({ queryKey: ['figures'], queryFn: () => api.get<Figures>('/v1/console/figures?minutes=60'), refetchInterval: 15_000 });
}

export function OverviewPage() {
  const { t } = useLang();
  const figures = useFigures();
  const f = figures.data;
  const charts = useMemo(() => {
    if (!f) return null;
    return {
      messages: [{ label: t('messagesPerMinute'), values: f.messages, color: color(0) }],
      denials: Object.entries(f.denials).map(([code, values], i) => ({ label: code, values, color: color(i + 1) })),
      reports: [{ label: t('reports'), values: f.reports, color: color(2) }],
      decisions: Object.entries(f.decisions).map(([action, values], i) => ({ label: action, values, color: color(i + 3) })),
      appeals: [
        { label: 'filed', values: f.appealsFiled, color: color(4) },
        { label: 'decided', values: f.appealsDecided, color: color(5) },
      ],
    };
  }, [f, t]);
  return (
    <>
      <h1>{t('overview')}</h1>
      <p className="muted">{t('lastHour')}</p>
      <ErrorNote error={figures.error} />
      {f && charts && (
        <>
          <p className="panel">
            {t('appealBacklog')}: <strong>{f.appealBacklog.open}</strong>
            {f.appealBacklog.overdue > 0 && (
              <>
                {' '}
                · <span className="danger-text">
                  {t('overdue')}: {f.appealBacklog.overdue}
                </span>
              </>
            )}
            {f.appealBacklog.oldestHours !== null && ` · ${t('oldest')}: ${f.appealBacklog.oldestHours} ${t('hours')}`}
          </p>
          <div className="grid">
            <Chart title={t('messagesPerMinute')} at={f.at} lines={charts.messages} />
            <Chart title={t('denialsByCode')} at={f.at} lines={charts.denials} />
            <Chart title={t('reportsPerMinute')} at={f.at} lines={charts.reports} />
            <Chart title={t('decisionsPerMinute')} at={f.at} lines={charts.decisions} />
            <Chart title={t('appeals')} at={f.at} lines={charts.appeals} />
          </div>
        </>
      )}
    </>
  );
}
