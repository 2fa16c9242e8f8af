import { sql } from 'kysely';
import { fail } from '../domain/errors.js';
import { ChatKind, Role, SYSTEM } from '../domain/gate.js';
import type { ReportReason } from '../domain/reporting.js';
import { emitReport, existingReport, type EvidenceMessage, type ReportInput } from '../enforcement/reports.js';
import { key } from '../events/serial.js';
import { parseId, publicId } from '../store/ids.js';
import { row, rows, type RowOf } from '../store/read.js';
import { blockOn } from './blocks.js';
import { canRead } from './chats.js';
import type { Platform } from './context.js';
import { idempotent } from './idempotency.js';
import { floodWait } from './messages.js';
import { requireWritable } from './writable.js';

/**
 * "Report spam" and message reports from the apps (RULES.md §3). The platform works out who the
 * subject is and which messages are the evidence; enforcement files the report and its case.
 */

export interface ReportRequest {
  /** One of chatId, platformId (the other side of a private chat, by the platform's id of the user). */
  chatId?: string;
  platformId?: string;
  accountId?: string;
  messageIds?: string[];
  reason?: ReportReason;
  comment?: string;
  block?: boolean;
  deleteChat?: boolean;
}

export interface ReportAnswer {
  report: { id: string; caseId?: string };
}

/** A message as the evidence queries read it. */
type MessageRow = RowOf<ReturnType<typeof messages>>;

const DAY_MS = 24 * 3600_000;

function evidenceOf(list: MessageRow[]): EvidenceMessage[] {
  return list.map((m) => ({ id: m.id, chatId: m.chat_id, fromId: m.from_id, text: m.text, sentAt: m.sent_at }));
}

/** Nothing to review (RULES.md §3): no report, no block, nothing created. */
function nothingToReport(reason: string): never {
  fail('NOTHING_TO_REPORT', { reason });
}

function messages(p: Platform, chat: number) {
  return p.store.db
    .selectFrom('messages')
    .select(['id', 'chat_id', 'from_id', 'text', 'sent_at'])
    .where('chat_id', '=', chat)
    .where('id', 'not in', p.store.db.selectFrom('takedowns').select('message_id').where('chat_id', '=', chat));
}

/**
 * The last messages `author` sent in `chat` (all authors when null), oldest first; none taken down.
 * Through messages_chat (chat_id, id, from_id), from the chat's newest message back: the author
 * is read from the index, the table only for the author's own rows.
 */
async function lastMessages(p: Platform, chat: number, author: number | null): Promise<MessageRow[]> {
  let q = messages(p, chat);
  if (author !== null) q = q.where('from_id', '=', author);
  const found = await rows(p.store, q.orderBy('id', 'desc').limit(p.policy.evidenceMessages));
  return found.reverse();
}

/**
 * The named messages: every one must be a message of `chat` (not taken down) by one author,
 * `author` when given. Anything else is nothing to review.
 */
async function namedMessages(p: Platform, chat: number, ids: string[], author: number | null): Promise<MessageRow[]> {
  const nums = [...new Set(ids.map((s) => parseId('message', s)))];
  if (nums.includes(0)) nothingToReport('not messages of this chat');
  const found = await rows(p.store, messages(p, chat).where('id', 'in', nums).orderBy('id'));
  if (found.length !== nums.length) nothingToReport('not messages of this chat');
  const from = author ?? found[0]!.from_id;
  if (found.some((r) => r.from_id !== from)) nothingToReport(author !== null ? "not the subject's messages" : 'report the messages of one author at a time');
  return found;
}

/**
 * Whether an admin's report about `subject` weighs as an admin's: only about a member who joined
 * by themselves or was added at least 24 h before (an admin cannot add someone and report them at
 * once). The subject may have left or been barred since: the weight is about how they came in.
 * The membership's latest `member_added` event says which: `by` is the member itself on a
 * join, the inviter on an add, public chat or not. Memberships carried over from a log without
 * that event fall back to their row: any member of a public chat, a member for 24 h elsewhere.
 */
async function adminWeighs(p: Platform, chat: number, reporter: number, subject: number, now: number): Promise<boolean> {
  const role = p.index.role(chat, reporter);
  if (role !== Role.ADMIN && role !== Role.OWNER) return false;
  // A member now, or one who was: a spammer who posts and leaves, or whom the admin bars before
  // reporting (Telegram's "ban and report"), was a member who came in one way or the other.
  const subjectRole = p.index.role(chat, subject);
  if (subjectRole !== Role.MEMBER && subjectRole !== Role.LEFT && subjectRole !== Role.BANNED) return false;
  const since = await memberSince(p, chat, subject);
  if (since) return since.joined || since.at + DAY_MS <= now;
  // Without that event, the row tells only of a current member: a leave or a ban rewrote its time.
  if (subjectRole !== Role.MEMBER) return false;
  if (p.index.chatPublic(chat)) return true;
  const member = await row(p.store, p.store.db.selectFrom('chat_members').select('updated_at').where('chat_id', '=', chat).where('account_id', '=', subject));
  return member !== undefined && member.updated_at + DAY_MS <= now;
}

/**
 * Whether `reporter` is a member (member, admin or owner) of `chat` as of now. Reading a public
 * group needs no membership, so its messages can be reported from outside; such reports are
 * filed and join the case once one opens, but only members count toward the group's threshold
 * (RULES.md §3). Membership is the current one, however recent: the rules ask a membership's age
 * only of the subject of an admin's report (`adminWeighs`).
 */
function isMember(p: Platform, chat: number, reporter: number): boolean {
  const role = p.index.role(chat, reporter);
  return role === Role.MEMBER || role === Role.ADMIN || role === Role.OWNER;
}

/** How and when `member` last became a member of `chat`, from the log (undefined when it has no such event). */
async function memberSince(p: Platform, chat: number, member: number): Promise<{ joined: boolean; at: number; seq: number } | undefined> {
  const added = await rows(
    p.store,
    p.store.db.selectFrom('events').select(['id', 'at', 'payload']).where('account_id', '=', member).where('type', '=', 'member_added').orderBy('id', 'desc'),
  );
  for (const e of added) {
    const x = JSON.parse(e.payload) as { chatId: number; memberId: number; by: number };
    if (x.chatId === chat && x.memberId === member) return { joined: x.by === member, at: e.at, seq: Number(e.id) };
  }
  return undefined;
}

/**
 * Whether the subject of a group report came to the reporter, as a first message in a private
 * chat does (robots count feedback only from people the subject contacted). True when the
 * subject joined the group by itself (it is not the owner) and the reporter did not join by
 * itself after it; or when an admin whose report weighs as one (`adminWeighs`) reports a member
 * someone added. Otherwise undefined: robots then count the report only if they saw the subject
 * reach the reporter (an invite). A crowd that joins a group to report its owner or a member
 * already there, or that adds someone to its own group to report them, was contacted by nobody.
 * The replay asks the same (`cameToReporter`, src/robots/replay.ts).
 */
async function groupInitiated(p: Platform, chat: number, reporter: number, subject: number, groupAdmin: boolean): Promise<true | undefined> {
  if (p.index.role(chat, subject) === Role.OWNER) return undefined;
  const s = await memberSince(p, chat, subject);
  if (s === undefined) return undefined;
  if (!s.joined) return groupAdmin ? true : undefined;
  const r = await memberSince(p, chat, reporter);
  // The log's order, not the clock's: two joins in one millisecond still came one after the other.
  return r?.joined && r.seq > s.seq ? undefined : true;
}

interface Target {
  subject: number;
  evidence: MessageRow[];
  kind: ReportInput['kind'];
}

/** Who is reported and what the evidence is, or why there is nothing to report. */
async function targetOf(p: Platform, reporter: number, chat: number, req: ReportRequest): Promise<Target> {
  const idx = p.index;
  const kind = idx.chatKind(chat);
  if (kind === ChatKind.PRIVATE) {
    const subject = idx.otherSide(chat, reporter);
    if (req.accountId !== undefined && parseId('account', req.accountId) !== subject)
      fail('BAD_REQUEST', { field: 'accountId', reason: 'in a private chat the subject is the other side' });
    const evidence = req.messageIds?.length ? await namedMessages(p, chat, req.messageIds, subject) : await lastMessages(p, chat, subject);
    if (evidence.length === 0) nothingToReport('the other side has sent nothing here');
    return { subject, evidence, kind: 'private' };
  }
  const groupKind = kind === ChatKind.CHANNEL ? 'channel' : 'group';
  if (req.messageIds?.length) {
    let author: number | null = null;
    if (req.accountId !== undefined) {
      author = parseId('account', req.accountId);
      if (!idx.exists(author)) fail('PEER_ID_INVALID', { field: 'accountId' });
    }
    const evidence = await namedMessages(p, chat, req.messageIds, author);
    return { subject: evidence[0]!.from_id, evidence, kind: groupKind };
  }
  if (req.accountId !== undefined) {
    const subject = parseId('account', req.accountId);
    if (!idx.exists(subject)) fail('PEER_ID_INVALID', { field: 'accountId' });
    const evidence = await lastMessages(p, chat, subject);
    if (evidence.length === 0) nothingToReport('this account has no messages here');
    return { subject, evidence, kind: groupKind };
  }
  if (idx.chatPublic(chat)) {
    // The chat itself: public content. The case's subject is its owner.
    const owner = await row(p.store, p.store.db.selectFrom('chats').select('owner_id').where('id', '=', chat));
    const evidence = await lastMessages(p, chat, null);
    if (evidence.length === 0) nothingToReport('this chat has no messages');
    return { subject: owner?.owner_id ?? 0, evidence, kind: 'public' };
  }
  fail('BAD_REQUEST', { reason: 'name the messages (messageIds) or the member (accountId) to report' });
}

/** The private chat of `reporter` with the account of `platformId`; nothing to report without one. */
function privateChatWith(p: Platform, reporter: number, platformId: string): number {
  const other = p.index.byPlatformId(platformId);
  if (other === 0) fail('PEER_ID_INVALID', { field: 'platformId' });
  const chat = p.index.privateChat(reporter, other);
  if (chat === 0) nothingToReport('the other side has sent nothing here');
  return chat;
}

/**
 * Files a report. A report refused for any reason (nothing to review, the rate limit, bad input)
 * changes nothing but the rate-limit counters: its block and chat deletion go with the report.
 * The check (one open report per reporter, subject and place, and with it whether the report
 * spends a token of the reporters' rate limit; the case it opens or joins) and the write run
 * under the subject's key.
 */
export async function fileReport(
  p: Platform,
  reporter: number,
  req: ReportRequest,
  idem?: { key: string; body: unknown },
): Promise<{ status: number; body: ReportAnswer }> {
  // A remembered answer (NOTHING_TO_REPORT and FROZEN_METHOD_INVALID included: the rules decided
  // them) is given again for the same key and body, whatever the reporter's state is now, as for
  // sends; a rate-limited or malformed request is decided afresh (API.md).
  // What robots learn, once the report is durable (a replayed answer teaches them nothing new).
  interface ForRobots {
    report: boolean;
    weight: number;
    fresh: boolean;
    blocked: boolean;
    subject: number;
    now: number;
    /** The subject wrote first to the reporter in their private chat, or came to them in a group (`groupInitiated`); absent: not known. */
    initiated?: boolean;
  }
  let robots: ForRobots | null = null;
  const outcome = await idempotent(p, reporter, 'reports', idem?.key, idem?.body, async (remember) => {
    // A frozen account's reports are writes: refused before the chat is even looked at (RULES.md §2).
    requireWritable(p, reporter);
    const chat = req.chatId !== undefined ? parseId('chat', req.chatId) : privateChatWith(p, reporter, req.platformId ?? '');
    // Only participants may report a chat; to anyone else it does not exist.
    if (chat === 0 || !canRead(p, reporter, chat)) fail('NOT_FOUND', { field: 'chatId' });
    const target: Target = await targetOf(p, reporter, chat, req);
    const { subject } = target;
    const reason: ReportReason = req.reason ?? 'spam';
    if (subject === reporter) fail('BAD_REQUEST', { reason: 'you cannot report yourself' });
    if (subject === 0 || p.index.flags(subject) & SYSTEM) fail('BAD_REQUEST', { reason: 'this account cannot be reported' });
    // Whether the report repeats an open one, and so whether it spends one of the reporter's
    // reports, is decided under the subject's key, the key that files reports and decides cases:
    // two identical reports at once file one report and spend one token, and a report that
    // follows a decision is a new one, rate-limited as such. A job run again after losing a race
    // to another node spends no second token.
    let paid = false;
    return p.serial.run([key.account(subject)], async () => {
      // A repeat while the first report is open creates nothing and is answered with that report
      // (RULES.md §3): it uses up none of the reporter's reports.
      const repeat = existingReport(p, { reporterId: reporter, subjectId: subject, kind: target.kind, chatId: chat });
      if (!repeat && !paid) {
        const taken = p.limits.take('reports', reporter);
        const wait = typeof taken === 'number' ? taken : await taken;
        if (wait > 0) throw floodWait(wait);
        paid = true;
      }
      const now = p.clock.now();
      // Read before the change: who started the pair's private chat (memory, the chat's "who wrote").
      const initiated = p.index.startedBy(reporter, subject) === subject;
      const created = await row(p.store, p.store.db.selectFrom('accounts').select('created_at').where('id', '=', reporter));
      const reporterAgeMs = now - (created?.created_at ?? now);
      const groupAdmin = target.kind === 'group' && (await adminWeighs(p, chat, reporter, subject, now));
      const inGroup = target.kind === 'group' ? await groupInitiated(p, chat, reporter, subject, groupAdmin) : undefined;
      const member = target.kind === 'private' || isMember(p, chat, reporter);
      const change = p.journal.change();
      const filed = emitReport(
        p,
        change,
        {
          reporterId: reporter,
          subjectId: subject,
          chatId: chat,
          kind: target.kind,
          reason,
          comment: req.comment?.trim() || null,
          evidence: evidenceOf(target.evidence),
          stranger: !p.index.hasContact(reporter, subject) && !p.index.hasWritten(reporter, subject),
          groupAdmin,
          member,
          reporterAgeMs,
        },
        { kind: 'account', id: publicId('account', reporter) },
        now,
      );
      const body: ReportAnswer = {
        report: { id: publicId('report', filed.reportId), ...(filed.caseId !== null ? { caseId: publicId('case', filed.caseId) } : {}) },
      };
      const status = filed.existing ? 200 : 201;
      // Every check passed: the block and the chat deletion asked for go with the report.
      let blocked = false;
      if (target.kind === 'private') {
        if (req.block) {
          const stranger = !p.index.hasContact(reporter, subject);
          blocked = blockOn(p, change, reporter, subject, now) && stranger;
        }
        if (req.deleteChat) {
          // The chat's last message now: any later one brings the chat back, even at this instant.
          const lastId = p.store.db
            .selectFrom('messages')
            .select((eb) => eb.fn.coalesce(eb.fn.max('id'), sql<number>`0`).as('last'))
            .where('chat_id', '=', chat);
          change.sql(
            p.store.db
              .insertInto('hidden_chats')
              .values({ account_id: reporter, chat_id: chat, at: now, after_message: lastId })
              .onConflict((oc) => oc.columns(['account_id', 'chat_id']).doUpdateSet({ at: now, after_message: lastId }))
              .compile(),
          );
        }
      }
      remember(change, { status, body });
      await p.journal.commit(change);
      // Below a group's threshold nothing opens a case, robots included (RULES.md §3); and a
      // group report from outside the group, which never counts toward it, is not theirs either.
      robots = {
        report: !filed.existing && filed.caseId !== null && (target.kind !== 'group' || member),
        weight: filed.weight,
        fresh: reporterAgeMs < DAY_MS,
        blocked,
        subject,
        now,
        ...(target.kind === 'private' ? { initiated } : inGroup !== undefined ? { initiated: inGroup } : {}),
      };
      return { status, body };
    });
  });
  // (assigned inside the callback, which TypeScript's flow analysis does not follow)
  const r = robots as ForRobots | null;
  const initiated = r?.initiated === undefined ? {} : { initiated: r.initiated };
  if (r?.report) await p.robots.observe({ type: 'report', at: r.now, from: reporter, to: r.subject, weight: r.weight, fresh: r.fresh, ...initiated });
  if (r?.blocked) await p.robots.observe({ type: 'block', at: r.now, from: reporter, to: r.subject, stranger: true, ...initiated });
  return { status: outcome.status, body: outcome.body };
}
