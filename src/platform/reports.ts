import type { CompiledQuery } from 'kysely';
import { fail } from '../domain/errors.js';
import { ChatKind, Role, SYSTEM } from '../domain/gate.js';
import type { ReportReason } from '../domain/reporting.js';
import { fileReportStatements, type EvidenceMessage, type ReportInput } from '../enforcement/reports.js';
import { parseId, publicId } from '../store/ids.js';
import { blockStatements } from './blocks.js';
import { canRead } from './chats.js';
import type { Platform } from './context.js';
import { requireWritable } from './guards.js';
import { floodWait, idempotentAnswer, rememberAnswer, type Idempotency } from './messages.js';

/**
 * "Report spam" and message reports from the apps (RULES.md §3). The platform works out who the
 * subject is and which messages are the evidence; enforcement files the report and its case.
 */

export interface ReportRequest {
  chatId: string;
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

type MessageRow = { id: number; chat_id: number; from_id: number; text: string; sent_at: number };

function evidenceOf(rows: MessageRow[]): EvidenceMessage[] {
  return rows.map((m) => ({ id: m.id, chatId: m.chat_id, fromId: m.from_id, text: m.text, sentAt: Number(m.sent_at) }));
}

/** The last messages `author` sent in `chat` (all authors when null), oldest first. */
async function lastMessages(p: Platform, chat: number, author: number | null): Promise<MessageRow[]> {
  let q = p.store.db.selectFrom('messages').select(['id', 'chat_id', 'from_id', 'text', 'sent_at']).where('chat_id', '=', chat);
  if (author !== null) q = q.where('from_id', '=', author);
  const rows = await p.store.all<MessageRow>(q.orderBy('id', 'desc').limit(p.policy.evidenceMessages));
  return rows.reverse();
}

/** The named messages of `chat`: all must exist there and have one author. */
async function namedMessages(p: Platform, chat: number, ids: string[]): Promise<MessageRow[]> {
  const nums = [...new Set(ids.map((s) => parseId('message', s)))];
  if (nums.includes(0)) fail('NOT_FOUND', { field: 'messageIds' });
  const rows = await p.store.all<MessageRow>(p.store.db.selectFrom('messages').select(['id', 'chat_id', 'from_id', 'text', 'sent_at']).where('id', 'in', nums).where('chat_id', '=', chat).orderBy('id'));
  if (rows.length !== nums.length) fail('NOT_FOUND', { field: 'messageIds', reason: 'not messages of this chat' });
  if (new Set(rows.map((r) => r.from_id)).size !== 1) fail('BAD_REQUEST', { field: 'messageIds', reason: 'report the messages of one author at a time' });
  return rows;
}

export async function fileReport(p: Platform, reporter: number, req: ReportRequest, idem?: Idempotency): Promise<{ status: number; body: ReportAnswer }> {
  requireWritable(p, reporter);
  const earlier = idempotentAnswer(p, reporter, idem);
  if (earlier) return earlier as { status: number; body: ReportAnswer };
  const idx = p.index;
  const chat = parseId('chat', req.chatId);
  // Only participants may report a chat; to anyone else it does not exist.
  if (chat === 0 || !canRead(p, reporter, chat)) fail('NOT_FOUND', { field: 'chatId' });
  const kind = idx.chatKind(chat);
  const now = p.clock.now();
  let subject: number;
  let evidence: MessageRow[];
  let reportKind: ReportInput['kind'];
  const reason: ReportReason = req.reason ?? 'spam';
  const extra: CompiledQuery[] = [];

  if (kind === ChatKind.PRIVATE) {
    subject = idx.otherSide(chat, reporter);
    if (req.accountId !== undefined && parseId('account', req.accountId) !== subject) fail('BAD_REQUEST', { field: 'accountId', reason: 'in a private chat the subject is the other side' });
    evidence = req.messageIds?.length ? await namedMessages(p, chat, req.messageIds) : await lastMessages(p, chat, subject);
    if (evidence.some((m) => m.from_id !== subject)) fail('BAD_REQUEST', { field: 'messageIds', reason: 'only the other side\'s messages can be reported' });
    reportKind = 'private';
    if (req.block) extra.push(...blockStatements(p, reporter, subject, now));
    if (req.deleteChat) {
      extra.push(
        p.store.db
          .insertInto('hidden_chats')
          .values({ account_id: reporter, chat_id: chat, at: now })
          .onConflict((oc) => oc.columns(['account_id', 'chat_id']).doNothing())
          .compile(),
      );
    }
  } else {
    if (req.messageIds?.length) {
      evidence = await namedMessages(p, chat, req.messageIds);
      subject = evidence[0]!.from_id;
      reportKind = kind === ChatKind.CHANNEL ? 'channel' : 'group';
    } else if (req.accountId !== undefined) {
      subject = parseId('account', req.accountId);
      if (!idx.exists(subject)) fail('PEER_ID_INVALID', { field: 'accountId' });
      evidence = await lastMessages(p, chat, subject);
      reportKind = kind === ChatKind.CHANNEL ? 'channel' : 'group';
    } else if (idx.chatPublic(chat)) {
      // The chat itself: public content. The case's subject is its owner.
      const row = await p.store.first<{ owner_id: number | null }>(p.store.db.selectFrom('chats').select('owner_id').where('id', '=', chat));
      subject = row?.owner_id ?? 0;
      evidence = await lastMessages(p, chat, null);
      reportKind = 'public';
    } else {
      fail('BAD_REQUEST', { reason: 'name the messages (messageIds) or the member (accountId) to report' });
    }
  }
  if (subject === reporter) fail('BAD_REQUEST', { reason: 'you cannot report yourself' });
  if (subject === 0 || idx.flags(subject) & SYSTEM) fail('BAD_REQUEST', { reason: 'this account cannot be reported' });
  const wait = p.limits.take('reports', reporter);
  if (wait > 0) throw floodWait(wait);

  const created = await p.store.first<{ created_at: number }>(p.store.db.selectFrom('accounts').select('created_at').where('id', '=', reporter));
  const role = idx.role(chat, reporter);
  const { filed, writes } = fileReportStatements(
    p,
    {
      reporterId: reporter,
      subjectId: subject,
      chatId: chat,
      kind: reportKind,
      reason,
      comment: req.comment?.trim() || null,
      evidence: evidenceOf(evidence),
      stranger: !idx.hasContact(reporter, subject) && !idx.hasWritten(reporter, subject),
      groupAdmin: reportKind === 'group' && (role === Role.ADMIN || role === Role.OWNER),
      reporterAgeMs: now - Number(created?.created_at ?? now),
    },
    { kind: 'account', id: publicId('account', reporter) },
    now,
  );
  const body: ReportAnswer = { report: { id: publicId('report', filed.reportId), ...(filed.caseId !== null ? { caseId: publicId('case', filed.caseId) } : {}) } };
  const status = filed.existing ? 200 : 201;
  const blocked = req.block === true && extra.length > 0 && !idx.hasContact(reporter, subject);
  const all = [...writes, ...extra];
  if (idem) all.push(rememberAnswer(p, reporter, idem, status, body, now));
  if (all.length > 0) await p.store.write(all);
  // Below a group's threshold nothing opens a case, robots included (RULES.md §3).
  if (!filed.existing && filed.caseId !== null) {
    const reporterAge = now - Number(created?.created_at ?? now);
    await p.robots.observe({ type: 'report', at: now, from: reporter, to: subject, weight: filed.weight, fresh: reporterAge < 24 * 3600_000 });
  }
  if (blocked) await p.robots.observe({ type: 'block', at: now, from: reporter, to: subject, stranger: true });
  return { status, body };
}
