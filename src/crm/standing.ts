import { publicId } from '../store/ids.js';
import { row, rows } from '../store/read.js';
import type { Protection } from './config.js';
import { connectionView } from './connections.js';
import { channelOf, type GatewayContext, iso } from './context.js';
import { capsAt, type Colour, DAY, qualityColour } from './protection.js';
import type { Connection, Job } from './state.js';
import { crmDb } from './tables.js';
import { standingText } from './texts.js';

/**
 * What the gateway tells of a number and its queues: the quality colour (strangers contacted,
 * blocks, reports), a connection's full status (restriction, protection, today's counts, held
 * messages, outbox), the console's list of connections, and the outbox figures for metrics.
 */

export async function quality(
  ctx: GatewayContext,
  business: number,
  s: Protection,
): Promise<{ colour: Colour; ratio: number; contacted: number; blocks: number; reports: number }> {
  const db = crmDb(ctx.p.store);
  const counted = await row(
    ctx.p.store,
    db
      .selectFrom('crm_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('business_account_id', '=', business)
      .where('first_contact', '=', 1)
      .where('sent_at', 'is not', null),
  );
  const contacted = counted?.n ?? 0;
  const { blocks, reports } = await ctx.transport.signals(business);
  return { ...qualityColour(s, contacted, blocks, reports), contacted, blocks, reports };
}

export async function connectionStatus(ctx: GatewayContext, c: Connection): Promise<Record<string, unknown>> {
  const business = c.businessAccountId;
  const s = ctx.config.protectionFor(publicId('account', business));
  const now = ctx.p.clock.now();
  const q = await quality(ctx, business, s);
  const caps = capsAt(s, c.connectedAt, now, q.colour);
  const ns = ctx.transport.numberStatus(business);
  const held = [...ctx.state.jobs.values()].filter((j) => j.scopeId === c.scopeId && j.state === 'held').sort((a, b) => a.heldUntil! - b.heldUntil!);
  const outbox = [...ctx.state.jobs.values()].filter((j) => j.scopeId === c.scopeId && j.state !== 'held');
  const dayStart = Math.floor(now / DAY) * DAY;
  const db = crmDb(ctx.p.store);
  const recent = await rows(
    ctx.p.store,
    db
      .selectFrom('crm_jobs')
      .select(['direction', 'state', 'first_contact', 'error_code', 'sent_at', 'received_at'])
      .where('scope_id', '=', c.scopeId)
      .where('received_at', '>=', dayStart - DAY),
  );
  const today = { firstContacts: 0, replies: 0, failed: 0, fromClients: 0 };
  for (const r of recent) {
    if (r.direction === 'in') {
      if (Number(r.received_at) >= dayStart) today.fromClients++;
    } else if (r.sent_at !== null && Number(r.sent_at) >= dayStart) {
      if (r.first_contact) today.firstContacts++;
      else today.replies++;
    } else if (r.error_code !== null && Number(r.received_at) >= dayStart) today.failed++;
  }
  const restriction: Record<string, unknown> = { state: ns.state };
  if (ns.kind) restriction.kind = ns.kind;
  if (ns.until !== undefined) restriction.until = ns.until === null ? null : iso(ns.until);
  if (ns.deleteAt !== undefined && ns.deleteAt !== null) restriction.deleteAt = iso(ns.deleteAt);
  if (ns.state !== 'free') restriction.appeal = 'spambot';
  restriction.text = standingText(ns, channelOf(ctx, c.scopeId)?.language ?? 'en');
  return {
    ...connectionView(c),
    number: {
      restriction,
      quality: { colour: q.colour, ratio: Math.round(q.ratio * 1000) / 1000, strangersContacted: q.contacted, blocks: q.blocks, reports: q.reports },
      protection: { enabled: s.enabled, perHour: caps.perHour, perDay: caps.perDay, warmingUp: now - c.connectedAt < s.warmupDaily.length * DAY },
      today,
    },
    held: held.map((j) => ({ msgid: j.msgid, status: `queued until ${iso(j.heldUntil!)}`, until: iso(j.heldUntil!) })),
    outbox: { waiting: outbox.length, oldestAgeSeconds: ageSeconds(outbox, now) },
  };
}

/** Every connection, in short (the console's list): standing, colour, held and waiting. */
export async function summaries(ctx: GatewayContext): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const c of ctx.state.connections.values()) {
    const ns = ctx.transport.numberStatus(c.businessAccountId);
    const q = await quality(ctx, c.businessAccountId, ctx.config.protectionFor(publicId('account', c.businessAccountId)));
    let held = 0;
    let waiting = 0;
    for (const j of ctx.state.jobs.values()) if (j.scopeId === c.scopeId) j.state === 'held' ? held++ : waiting++;
    const restriction: Record<string, unknown> = { state: ns.state };
    if (ns.state === 'limited') restriction.until = ns.until === null || ns.until === undefined ? null : iso(ns.until);
    out.push({ ...connectionView(c), restriction, quality: q.colour, held, waiting });
  }
  // Code-unit order, the order the list's cursor compares in.
  return out.sort((a, b) => (String(a.scopeId) < String(b.scopeId) ? -1 : String(a.scopeId) > String(b.scopeId) ? 1 : 0));
}

export function figures(ctx: GatewayContext): { outbox: number; outboxOldestSeconds: number; held: number; heldOldestSeconds: number } {
  const now = ctx.p.clock.now();
  const all = [...ctx.state.jobs.values()];
  const held = all.filter((j) => j.state === 'held');
  const outbox = all.filter((j) => j.state !== 'held');
  return { outbox: outbox.length, outboxOldestSeconds: ageSeconds(outbox, now), held: held.length, heldOldestSeconds: ageSeconds(held, now) };
}

function ageSeconds(jobs: Job[], now: number): number {
  if (jobs.length === 0) return 0;
  return Math.max(0, Math.round((now - Math.min(...jobs.map((j) => j.receivedAt))) / 1000));
}
