import { ScrollRegion } from '../shared/ScrollRegion';
import { when } from '../shared/format';
import { useLang, type TextKey } from '../shared/i18n';

/** A signal a robot rule read when it acted (staff only: never shown to the person). */
export interface RobotSignal {
  name: string;
  value: number | null;
  threshold: number | null;
  note?: string;
}

/** What a robot did (or would have done) about an account, as the case view answers it. */
export interface RobotFinding {
  at: string;
  rule: string;
  event: string;
  caseId?: string;
  why?: string;
  effect?: Record<string, unknown>;
  note?: string;
  signals: RobotSignal[];
}

const FINDING_TEXT: Record<string, TextKey> = {
  restriction_applied: 'finding_restriction_applied',
  account_frozen: 'finding_account_frozen',
  account_banned: 'finding_account_banned',
  case_opened: 'finding_case_opened',
  case_updated: 'finding_case_updated',
  robot_flag: 'finding_robot_flag',
  robot_shadow: 'finding_robot_shadow',
};

/** "cold_chats_hour 37.25 ≥ 20": one signal in a line of text (the timeline). */
export function signalLine(s: RobotSignal): string {
  return `${s.name} ${figure(s.value)} / ${figure(s.threshold)}${s.note ? ` (${s.note})` : ''}`;
}

/** 37.25, 0.063, 20: enough digits to compare a value with its threshold. */
export function figure(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

/** "limit 24 h", "freeze", "open_case": what a shadowed effect would have done. */
export function effectText(e: Record<string, unknown> | undefined): string {
  if (!e) return '';
  const action = String(e.action ?? '');
  return action === 'limit' && typeof e.hours === 'number' ? `limit ${e.hours} h` : action;
}

/** The signals of one finding, as a table: name, value, threshold, note. */
export function SignalTable({ signals, caption }: { signals: RobotSignal[]; caption: string }) {
  const { t } = useLang();
  if (signals.length === 0) return <p className="muted">{t('noSignalsRecorded')}</p>;
  return (
    <ScrollRegion label={caption}>
      <table className="list signals">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('signal')}</th>
            <th scope="col">{t('value')}</th>
            <th scope="col">{t('threshold')}</th>
            <th scope="col">{t('signalNote')}</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((s, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a rule may name one signal twice (two windows); the order is the record's
            <tr key={`${s.name}-${i}`}>
              <th scope="row">
                <code>{s.name}</code>
              </th>
              <td>{figure(s.value)}</td>
              <td>{figure(s.threshold)}</td>
              <td>{s.note ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** The case page's panel: each robot finding about the subject, newest first, with its signals. */
export function RobotFindings({ findings }: { findings: RobotFinding[] }) {
  const { t, lang } = useLang();
  if (findings.length === 0) return <p className="muted">{t('noRobotSignals')}</p>;
  return (
    <>
      <p className="muted">{t('robotSignalsHint')}</p>
      <ul className="findings">
        {findings.map((f, i) => {
          const what = FINDING_TEXT[f.event] ? t(FINDING_TEXT[f.event]!) : f.event;
          const title = `${f.rule} — ${what}`;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: findings have no id of their own; newest first, never reordered
            <li key={`${f.at}-${f.rule}-${i}`} data-rule={f.rule}>
              <div>
                <strong>{f.rule}</strong> · {what}
                {f.why ? ` (${f.why}${f.effect ? `: ${effectText(f.effect)}` : ''})` : ''}
                {f.caseId ? ` · ${f.caseId}` : ''} · <span className="muted">{when(f.at, lang)}</span>
              </div>
              {f.note && <div className="muted">{f.note}</div>}
              <SignalTable signals={f.signals} caption={title} />
            </li>
          );
        })}
      </ul>
    </>
  );
}
