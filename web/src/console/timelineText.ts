import { when } from '../shared/format';
import { textsOf, type Lang, type TextKey } from '../shared/i18n';
import { effectText, figure, signalLine, type RobotSignal } from './RobotSignals';

/** An event of a staff timeline, as GET /v1/moderation/accounts/{id} answers it. */
export interface TimelineEvent {
  id: string;
  type: string;
  at: string;
  actor: { kind: string; id?: string };
  [k: string]: unknown;
}

/** One timeline line: the sentence staff read, and the event as recorded (nothing left out). */
export interface EventLine {
  /** A short sentence in the page's language; for a type without one, the recorded form itself. */
  text: string;
  /** "account u4 · report_filed — id: e13, reportId: r1, …": the actor, the type and every field shown. */
  raw: string;
  /** Whether `text` is a sentence (false: the recorded form, for types without one). */
  known: boolean;
}

type T = (k: TextKey) => string;
type Vars = Record<string, string | undefined>;
type Sentence = (e: TimelineEvent, t: T, lang: Lang) => string | undefined;

/** "account u4", "robot links_to_strangers", "admin": who acted, as recorded. */
export function actorLine(e: TimelineEvent): string {
  return `${e.actor.kind}${e.actor.id ? ` ${e.actor.id}` : ''}`;
}

/** "report_filed — id: e13, reportId: r1, …; signals: …": every plain field of the event, as recorded. */
export function recordedLine(e: TimelineEvent): string {
  const { type, at: _at, actor: _actor, ...rest } = e;
  const parts = Object.entries(rest)
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`);
  // A robot's event says which signals fired: value / threshold (note).
  const signals = signalsOf(e);
  if (signals.length > 0) parts.push(`signals: ${signals.map(signalLine).join('; ')}`);
  return `${type}${parts.length ? ` — ${parts.join(', ')}` : ''}`;
}

/** A template's {names} filled in; undefined when one of them has no value (the sentence is then not said). */
export function fill(template: string, vars: Vars): string | undefined {
  let missing = false;
  const out = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = vars[k];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): string | undefined => (typeof v === 'number' ? figure(v) : undefined);
const ids = (v: unknown): string | undefined => (Array.isArray(v) && v.length > 0 ? v.map(String).join(', ') : undefined);
const time = (v: unknown, lang: Lang): string | undefined => (typeof v === 'string' ? when(v, lang) : undefined);

function signalsOf(e: TimelineEvent): RobotSignal[] {
  return Array.isArray(e.signals) ? (e.signals as RobotSignal[]) : [];
}

/** A main sentence with its details in brackets: "… (a stranger; weight 0.25)". */
function detailed(main: string | undefined, details: (string | undefined | false)[]): string | undefined {
  if (main === undefined) return undefined;
  const shown = details.filter((d): d is string => typeof d === 'string' && d !== '');
  return shown.length ? `${main} (${shown.join('; ')})` : main;
}

/** A person's words (an appeal, a ticket, a decision's note), quoted and kept short; the full text is in `raw`. */
function quoted(main: string | undefined, text: unknown): string | undefined {
  const s = str(text);
  if (main === undefined || s === undefined) return main;
  const short = s.length > 160 ? `${s.slice(0, 159)}…` : s;
  return `${main}: “${short}”`;
}

/** Who acted, in words: an account's or staff member's id, a robot's rule, the platform, banya itself. */
function actorName(e: TimelineEvent, t: T): string | undefined {
  const { kind, id } = e.actor;
  if (kind === 'robot') return id ? fill(t('ev_actor_robot'), { id }) : undefined;
  if (kind === 'admin') return t('ev_actor_admin');
  if (kind === 'system') return t('ev_actor_system');
  return id;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const opt = (t: T, k: TextKey, vars: Vars): string | undefined => fill(t(k), vars);

function restriction(main: TextKey, e: TimelineEvent, t: T, vars: Vars): string | undefined {
  return detailed(fill(t(main), { kind: str(e.kind), ...vars }), [
    opt(t, 'ev_restriction', { id: str(e.restrictionId) }),
    opt(t, 'ev_in_case', { case: str(e.caseId) }),
    opt(t, 'ev_by_rule', { rule: str(e.rule) }),
  ]);
}

const SENTENCES: Record<string, Sentence> = {
  account_created: (e, t) => {
    const details = [
      e.numberKind === 'mobile' ? t('ev_mobile') : e.numberKind === 'voip' ? t('ev_voip') : undefined,
      opt(t, 'ev_name', { name: str(e.name) }),
      str(e.username) && `@${String(e.username)}`,
      opt(t, 'ev_language', { language: str(e.language) }),
    ].filter((d): d is string => typeof d === 'string');
    return details.length ? fill(t('ev_account_created'), { details: details.join(', ') }) : undefined;
  },
  account_updated: (e, t) => {
    const username = str(e.username);
    const details = [
      opt(t, 'ev_name', { name: str(e.name) }),
      username && (str(e.previousUsername) ? fill(t('ev_username_was'), { username, previous: str(e.previousUsername) }) : `@${username}`),
      opt(t, 'ev_language', { language: str(e.language) }),
    ].filter((d): d is string => typeof d === 'string');
    return details.length ? fill(t('ev_account_updated'), { details: details.join(', ') }) : undefined;
  },
  account_deleted: (e, t) => {
    const state = str(e.restrictionAtDeletion);
    return fill(t('ev_account_deleted'), { state: state && str(e.kind) ? `${state}, ${String(e.kind)}` : state });
  },
  token_issued: (e, t) =>
    str(e.staffId) ? fill(t('ev_token_staff'), { staff: str(e.staffId), role: str(e.role) ?? '—' }) : fill(t('ev_token_account'), { actor: actorName(e, t) }),
  tokens_revoked: (e, t) => (e.scope === 'all' ? t('ev_tokens_revoked_all') : e.scope === 'session' ? t('ev_tokens_revoked_session') : undefined),
  contact_added: (e, t) => fill(t('ev_contact_added'), { actor: actorName(e, t), contact: str(e.contactId) }),
  contact_removed: (e, t) => fill(t('ev_contact_removed'), { actor: actorName(e, t), contact: str(e.contactId) }),
  block_added: (e, t) => fill(t('ev_block_added'), { actor: actorName(e, t), blocked: str(e.blockedId) }),
  block_removed: (e, t) => fill(t('ev_block_removed'), { actor: actorName(e, t), blocked: str(e.blockedId) }),
  chat_started: (e, t) => fill(t('ev_chat_started'), { actor: e.actor.kind === 'account' ? e.actor.id : undefined, other: str(e.other), chat: str(e.chatId) }),
  chat_written: (e, t) => fill(t('ev_chat_written'), { actor: e.actor.kind === 'account' ? e.actor.id : undefined, other: str(e.other), chat: str(e.chatId) }),
  member_added: (e, t) => fill(t('ev_member_added'), { member: str(e.memberId), chat: str(e.chatId) }),
  member_left: (e, t) => fill(t('ev_member_left'), { member: str(e.memberId), chat: str(e.chatId) }),
  member_banned: (e, t) => fill(t('ev_member_banned'), { member: str(e.memberId), chat: str(e.chatId) }),
  report_filed: (e, t) =>
    detailed(fill(t('ev_report_filed'), { reporter: str(e.reporterId), subject: str(e.subjectId), reason: str(e.reason), chat: str(e.chatId) }), [
      e.stranger === true && t('ev_stranger'),
      // Only a group's or channel's reports ask whether the reporter belonged to it.
      e.kind !== 'private' && e.member === true && t('ev_member'),
      e.kind !== 'private' && e.member === false && t('ev_not_member'),
      e.adminReport === true && t('ev_admin_report'),
      opt(t, 'ev_weight', { weight: num(e.weight) }),
      opt(t, 'ev_in_case', { case: str(e.caseId) }),
      opt(t, 'ev_messages', { ids: ids(e.evidence) }),
    ]),
  case_opened: (e, t) =>
    detailed(
      str(e.openedBy)
        ? fill(t('ev_case_opened_robot'), { rule: str(e.openedBy), case: str(e.caseId), subject: str(e.subjectId) })
        : fill(t('ev_case_opened'), { case: str(e.caseId), subject: str(e.subjectId) }),
      [opt(t, 'ev_in_chat', { chat: str(e.chatId) })],
    ),
  case_updated: (e, t) =>
    detailed(fill(t('ev_case_updated'), { case: str(e.caseId), priority: num(e.priority), count: num(e.reportCount) }), [
      opt(t, 'ev_raised_by', { rule: str(e.rule) }),
      opt(t, 'ev_attached', { ids: ids(e.attached) }),
    ]),
  case_claimed: (e, t) => fill(t('ev_case_claimed'), { by: str(e.by), case: str(e.caseId) }),
  case_released: (e, t) => fill(t('ev_case_released'), { case: str(e.caseId) }),
  evidence_viewed: (e, t) => fill(t('ev_evidence_viewed'), { by: str(e.by), case: str(e.caseId) }),
  decision: (e, t) => {
    const vars = { by: str(e.by), case: str(e.caseId), policy: str(e.policy) };
    const main =
      e.action === 'confirm'
        ? fill(t('ev_decision_confirm'), vars)
        : e.action === 'dismiss'
          ? fill(t('ev_decision_dismiss'), vars)
          : e.action === 'escalate'
            ? fill(t('ev_decision_escalate'), vars)
            : undefined;
    return quoted(main, e.note);
  },
  strike_added: (e, t, lang) =>
    detailed(fill(t('ev_strike_added'), { strike: str(e.strikeId), policy: str(e.policy), until: time(e.expiresAt, lang) }), [
      opt(t, 'ev_in_case', { case: str(e.caseId) }),
      opt(t, 'ev_restriction', { id: str(e.restrictionId) }),
    ]),
  strike_removed: (e, t) => fill(t('ev_strike_removed'), { strike: str(e.strikeId), reason: str(e.reason) }),
  strike_expired: (e, t) => fill(t('ev_strike_expired'), { strike: str(e.strikeId) }),
  restriction_applied: (e, t, lang) =>
    typeof e.until === 'string'
      ? restriction('ev_restriction_applied', e, t, { until: time(e.until, lang) })
      : restriction('ev_restriction_applied_forever', e, t, {}),
  account_frozen: (e, t, lang) =>
    typeof e.deleteAt === 'string'
      ? restriction('ev_account_frozen', e, t, { until: time(e.deleteAt, lang) })
      : restriction('ev_account_frozen_plain', e, t, {}),
  account_banned: (e, t) => restriction('ev_account_banned', e, t, {}),
  restriction_lifted: (e, t) => fill(t('ev_restriction_lifted'), { restriction: str(e.restrictionId), reason: str(e.reason) }),
  restriction_expired: (e, t) => fill(t('ev_restriction_expired'), { restriction: str(e.restrictionId) }),
  number_banned: (e, t) => fill(t('ev_number_banned'), { phone: str(e.phone) }),
  number_unbanned: (e, t) => fill(t('ev_number_unbanned'), { phone: str(e.phone) }),
  reporter_muted: (e, t) => fill(t(e.muted === false ? 'ev_reporter_unmuted' : 'ev_reporter_muted'), { by: str(e.by) }),
  reporter_accuracy: (e, t) => fill(t('ev_reporter_accuracy'), { reason: str(e.reason) }),
  content_taken_down: (e, t) => fill(t('ev_content_taken_down'), { ids: ids(e.messageIds), chat: str(e.chatId), case: str(e.caseId) }),
  robot_flag: (e, t) => fill(t('ev_robot_flag'), { rule: str(e.rule), note: str(e.note) ?? '—' }),
  robot_shadow: (e, t) =>
    fill(t('ev_robot_shadow'), {
      rule: str(e.rule),
      effect: typeof e.effect === 'object' && e.effect !== null ? effectText(e.effect as Record<string, unknown>) || '—' : '—',
      why: str(e.why) ?? '—',
    }),
  robot_false_positive: (e, t) =>
    detailed(fill(t('ev_robot_false_positive'), { appeal: str(e.appealId), rule: str(e.rule) }), [opt(t, 'ev_restriction', { id: str(e.restrictionId) })]),
  appeal_filed: (e, t, lang) =>
    quoted(
      detailed(fill(t('ev_appeal_filed'), { appeal: str(e.appealId), due: time(e.dueAt, lang) }), [
        opt(t, 'ev_appeal_against', { id: str(e.restrictionId) }),
        e.robot === true && opt(t, 'ev_appeal_robot', { rule: str(e.rule) }),
      ]),
      e.text,
    ),
  appeal_decided: (e, t) =>
    quoted(
      e.outcome === 'overturn'
        ? fill(t('ev_appeal_overturn'), { by: str(e.by), appeal: str(e.appealId) })
        : e.outcome === 'uphold'
          ? fill(t('ev_appeal_uphold'), { by: str(e.by), appeal: str(e.appealId) })
          : undefined,
      e.note,
    ),
  appeal_overdue: (e, t) => fill(t('ev_appeal_overdue'), { appeal: str(e.appealId) }),
  ticket_opened: (e, t, lang) => quoted(fill(t('ev_ticket_opened'), { ticket: str(e.ticketId), source: str(e.source), due: time(e.dueAt, lang) }), e.text),
  ticket_updated: (e, t) => quoted(fill(t('ev_ticket_updated'), { ticket: str(e.ticketId) }), e.text),
  ticket_answered: (e, t) => quoted(fill(t('ev_ticket_answered'), { by: str(e.by), ticket: str(e.ticketId) }), e.answer),
  ticket_reopened: (e, t, lang) => quoted(fill(t('ev_ticket_reopened'), { ticket: str(e.ticketId), source: str(e.via), due: time(e.dueAt, lang) }), e.text),
  ticket_overdue: (e, t) => fill(t('ev_ticket_overdue'), { ticket: str(e.ticketId) }),
  ticket_closed: (e, t) => quoted(fill(t('ev_ticket_closed'), { by: str(e.by), ticket: str(e.ticketId) }), e.note),
  email_verified: (e, t) => (str(e.address) ? `${t('ev_email_verified')}: ${String(e.address)}` : t('ev_email_verified')),
  crm_connected: (e, t) => fill(t('ev_crm_connected'), { scope: str(e.scopeId), channel: str(e.channelId) }),
  crm_disconnected: (e, t) => fill(t('ev_crm_disconnected'), { scope: str(e.scopeId) }),
  crm_paused: (e, t) =>
    fill(t('ev_crm_paused'), {
      scope: str(e.scopeId),
      reason: e.reason === 'frozen' ? t('ev_frozen') : e.reason === 'banned' ? t('ev_banned') : str(e.reason),
    }),
  crm_resumed: (e, t) => fill(t('ev_crm_resumed'), { scope: str(e.scopeId) }),
};

/**
 * A timeline event as a sentence in the page's language ("u4 reported u3 for spam in chat c1 (a
 * stranger; weight 0.25)"), ids kept as they are; a robot's signals follow as the robots' panel
 * writes them. A type without a sentence, or an event missing what its sentence names, shows as
 * recorded, so nothing is hidden.
 */
export function describeEvent(e: TimelineEvent, lang: Lang): EventLine {
  const t = textsOf(lang);
  const raw = `${actorLine(e)} · ${recordedLine(e)}`;
  const sentence = Object.hasOwn(SENTENCES, e.type) ? SENTENCES[e.type]!(e, t, lang) : undefined;
  if (sentence === undefined) return { text: raw, raw, known: false };
  const signals = signalsOf(e);
  let text = signals.length > 0 ? `${sentence}; ${fill(t('ev_signals'), { list: signals.map(signalLine).join('; ') })}` : sentence;
  // Who acted is always said (the timeline is the staff's audit trail): a person's or robot's id
  // after the sentence when the sentence does not name them (banya and the platform go unsaid).
  const who = actorName(e, t);
  const named = e.actor.id;
  if (who !== undefined && named !== undefined && !new RegExp(`(^|[^\\w])${escapeRegExp(named)}([^\\w]|$)`).test(sentence)) text = `${text} · ${who}`;
  return { text, raw, known: true };
}
