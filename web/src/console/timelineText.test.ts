import { describe, expect, it } from 'vitest';
import { when } from '../shared/format';
import { describeEvent, fill, type TimelineEvent } from './timelineText';

const AT = '2026-12-07T15:28:00.000Z';

function ev(type: string, actor: TimelineEvent['actor'], fields: Record<string, unknown>): TimelineEvent {
  return { id: 'e13', type, at: AT, actor, ...fields };
}

const report = ev(
  'report_filed',
  { kind: 'account', id: 'u4' },
  {
    reportId: 'r1',
    reporterId: 'u4',
    subjectId: 'u3',
    chatId: 'c1',
    kind: 'private',
    reason: 'spam',
    weight: 0.25,
    stranger: true,
    adminReport: false,
    member: true,
  },
);

describe('the timeline’s sentences', () => {
  it('say a report in words, in English and Russian, ids kept', () => {
    const en = describeEvent(report, 'en');
    expect(en.text).toBe('u4 reported u3 for spam in chat c1 (a stranger; weight 0.25)');
    expect(en.known).toBe(true);
    expect(en.raw).toBe(
      'account u4 · report_filed — id: e13, reportId: r1, reporterId: u4, subjectId: u3, chatId: c1, kind: private, reason: spam, weight: 0.25, stranger: true, adminReport: false, member: true',
    );
    expect(describeEvent(report, 'ru').text).toBe('Жалоба u4 на u3: spam, чат c1 (незнакомец; вес 0.25)');
  });

  it('name a group report’s membership, and the case and messages it joined', () => {
    const group = { ...report, kind: 'group', stranger: false, member: false, adminReport: true, caseId: 'k1', evidence: ['m1', 'm2'] };
    expect(describeEvent(group, 'en').text).toBe(
      'u4 reported u3 for spam in chat c1 (not a member of the chat; the chat’s admin; weight 0.25; case k1; messages m1, m2)',
    );
  });

  it('say the everyday events of a case page', () => {
    const chat = ev('chat_started', { kind: 'account', id: 'u3' }, { chatId: 'c2', other: 'u5' });
    expect(describeEvent(chat, 'en').text).toBe('u3 started a chat with u5 (chat c2)');
    expect(describeEvent(chat, 'ru').text).toBe('Новый чат u3 с u5 (чат c2)');
    const viewed = ev('evidence_viewed', { kind: 'staff', id: 's1' }, { caseId: 'k1', by: 's1' });
    expect(describeEvent(viewed, 'en').text).toBe('s1 viewed the evidence of case k1');
    expect(describeEvent(viewed, 'ru').text).toBe('Просмотр доказательств дела k1: s1');
    const opened = ev('case_opened', { kind: 'account', id: 'u4' }, { caseId: 'k1', subjectId: 'u3' });
    expect(describeEvent(opened, 'en').text).toBe('Case k1 opened about u3 · u4');
    const updated = ev('case_updated', { kind: 'account', id: 'u4' }, { caseId: 'k1', priority: 0.5, reportCount: 1 });
    expect(describeEvent(updated, 'en').text).toBe('Case k1 updated: priority 0.5, reports: 1 · u4');
    expect(describeEvent(updated, 'ru').text).toBe('Дело k1 обновлено: приоритет 0.5, жалоб: 1 · u4');
    const created = ev('account_created', { kind: 'admin' }, { numberKind: 'mobile', name: 'Best Deals Max' });
    expect(describeEvent(created, 'en').text).toBe('Account created: mobile number, name “Best Deals Max”');
    expect(describeEvent(created, 'ru').text).toBe('Аккаунт создан: мобильный номер, имя «Best Deals Max»');
    expect(describeEvent(ev('token_issued', { kind: 'admin' }, {}), 'en').text).toBe('New session issued by the platform');
    const confirmed = ev('decision', { kind: 'staff', id: 's2' }, { caseId: 'k1', action: 'confirm', policy: 'spam', by: 's2', note: 'watches again' });
    expect(describeEvent(confirmed, 'en').text).toBe('s2 confirmed case k1 under spam: “watches again”');
    expect(describeEvent(ev('crm_paused', { kind: 'system' }, { scopeId: 'sc1', reason: 'frozen' }), 'ru').text).toBe(
      'Отправка из CRM приостановлена (scope sc1): аккаунт заморожен',
    );
  });

  it('give a restriction its end in the page’s time format', () => {
    const until = '2026-12-08T15:28:00.000Z';
    const limited = ev('restriction_applied', { kind: 'system' }, { restrictionId: 'x1', state: 'limited', kind: 'report', until, caseId: 'k1' });
    expect(describeEvent(limited, 'en').text).toBe(`Account limited (report) until ${when(until, 'en')} (restriction x1; case k1)`);
    expect(describeEvent(limited, 'ru').text).toBe(`Аккаунт ограничен (report) до ${when(until, 'ru')} (ограничение x1; дело k1)`);
    // Who acted is said even where the sentence does not name them: the staff member who lifted.
    const lifted = ev('restriction_lifted', { kind: 'staff', id: 's3' }, { restrictionId: 'x1', reason: 'appeal by mail' });
    expect(describeEvent(lifted, 'en').text).toMatch(/x1.* · s3$/);
    expect(describeEvent(lifted, 'ru').text).toMatch(/x1.* · s3$/);
    expect(describeEvent({ ...limited, until: null }, 'en').text).toBe('Account limited (report) indefinitely (restriction x1; case k1)');
  });

  it('keep a robot’s signals as the robots’ panel writes them', () => {
    const signals = [
      { name: 'cold_chats_hour', value: 37.25, threshold: 20, note: 'strangers written to in an hour' },
      { name: 'reply_rate_day', value: 0.0625, threshold: 0.3 },
    ];
    const opened = ev('case_opened', { kind: 'robot', id: 'links_to_strangers' }, { caseId: 'k2', subjectId: 'u7', openedBy: 'links_to_strangers', signals });
    const line = describeEvent(opened, 'en');
    expect(line.text).toBe(
      'Robot rule links_to_strangers opened case k2 about u7; signals: cold_chats_hour 37.25 / 20 (strangers written to in an hour); reply_rate_day 0.063 / 0.3',
    );
    expect(line.raw).toMatch(/signals: cold_chats_hour 37\.25 \/ 20/);
    expect(describeEvent(opened, 'ru').text).toMatch(/^Правило links_to_strangers открыло дело k2 по u7; сигналы: cold_chats_hour 37\.25 \/ 20/);
  });

  it('show a type without a sentence, or an event missing what its sentence names, as recorded', () => {
    const privacy = ev('privacy_changed', { kind: 'account', id: 'u3' }, { findByPhone: 'nobody' });
    expect(describeEvent(privacy, 'en')).toEqual({
      text: 'account u3 · privacy_changed — id: e13, findByPhone: nobody',
      raw: 'account u3 · privacy_changed — id: e13, findByPhone: nobody',
      known: false,
    });
    const { reporterId: _, ...noReporter } = report;
    expect(describeEvent(noReporter as TimelineEvent, 'en').known).toBe(false);
    expect(describeEvent(ev('constructor', { kind: 'system' }, {}), 'en').text).toBe('system · constructor — id: e13');
    expect(describeEvent(ev('chat_started', { kind: 'admin' }, { chatId: 'c2', other: 'u5' }), 'en').known).toBe(false);
  });

  it('fill a template only when every name has a value', () => {
    expect(fill('{a} and {b}', { a: 'x', b: 'y' })).toBe('x and y');
    expect(fill('{a} and {b}', { a: 'x' })).toBeUndefined();
  });
});
