import { z } from 'zod';
import { storable, toStorable } from '../domain/storable.js';
import type { OutJob } from '../events/crm.js';
import { CONVERSATION_PREFIX, type GatewayContext, SYSTEM } from './context.js';
import { verifySignature } from './sign.js';
import { jobKey } from './state.js';

/**
 * The outgoing-message webhook the CRM calls for every manager's message: the signature on the
 * raw bytes (the channel's secret or the previous one), the body's shape, the recipient it names,
 * and the durable `crm_job_received` event, before the webhook is answered.
 */

/**
 * An id or a phone the CRM sends: kept and compared as sent, so one a store cannot keep as sent
 * (U+0000, which PostgreSQL refuses; half a surrogate pair, which UTF-8 cannot encode) is refused.
 */
const plain = z.string().refine(storable, 'holds U+0000 or half a surrogate pair');
const idField = z.union([plain, z.number()]);

const webhookSchema = z.object({
  account_id: idField.optional(),
  message: z.object({
    receiver: z.object({ id: idField.optional(), phone: plain.optional(), client_id: idField.optional() }).partial().default({}),
    conversation: z.object({ id: idField.optional(), client_id: idField.optional() }).partial().default({}),
    // The id goes into the status path (/{scope_id}/{msgid}/delivery_status): never empty,
    // bounded (amojo's ids are UUIDs), and never a dot segment ("." or "..", which a URL folds
    // away whether encoded or not: the status would go to another path than the one signed).
    message: z.object({
      id: z.union([plain.pipe(z.string().min(1).max(256)).refine((id) => id !== '.' && id !== '..', 'a dot segment'), z.number()]),
      type: plain.optional(),
      text: z.string().optional(),
    }),
  }),
});

export type WebhookAnswer = 'accepted' | 'repeated' | 'forged' | 'unknown' | 'invalid';

/** Verifies, stores durably and acknowledges; the work happens after. */
export async function receiveWebhook(ctx: GatewayContext, scopeId: string, raw: Buffer, signature: string | undefined): Promise<WebhookAnswer> {
  const c = ctx.state.connections.get(scopeId);
  if (!c) return 'unknown';
  const channel = ctx.config.channel(c.channelId);
  if (!channel) return 'unknown';
  const secrets = [channel.secret, ...(channel.previousSecret ? [channel.previousSecret] : [])];
  if (!secrets.some((s) => verifySignature(s, raw, signature))) return 'forged';
  let body: z.infer<typeof webhookSchema>;
  try {
    const parsed = webhookSchema.safeParse(JSON.parse(raw.toString('utf8')));
    if (!parsed.success) return 'invalid';
    body = parsed.data;
  } catch {
    return 'invalid';
  }
  const m = body.message;
  const msgid = String(m.message.id);
  const key = jobKey(scopeId, 'out', msgid);
  // The text as a store keeps it, so the client reads on either store what was delivered (a
  // NUL would fail the send on every retry on PostgreSQL).
  const job: OutJob = { text: toStorable(m.message.text ?? '') };
  if (m.message.type !== undefined && m.message.type !== 'text') job.type = m.message.type;
  // Our conversation id is `banya-{client id}` (see deliverIncoming): it names the client too.
  const conv = m.conversation.client_id !== undefined ? String(m.conversation.client_id) : '';
  if (m.receiver.client_id !== undefined && String(m.receiver.client_id) !== '') job.clientId = String(m.receiver.client_id);
  else if (m.receiver.phone) job.phone = m.receiver.phone;
  else if (conv.startsWith(CONVERSATION_PREFIX)) job.clientId = conv.slice(CONVERSATION_PREFIX.length);
  if (m.conversation.id !== undefined) job.conversationRef = String(m.conversation.id);
  if (m.receiver.id !== undefined) job.receiverRef = String(m.receiver.id);
  const answer = await ctx.p.serial.run([`crm:${key}`], async (): Promise<WebhookAnswer> => {
    if (ctx.state.seen.has(key)) return 'repeated';
    const change = ctx.p.journal.change();
    change.emit(ctx.p.clock.now(), SYSTEM, null, {
      type: 'crm_job_received',
      payload: { scopeId, direction: 'out', msgid, businessAccountId: c.businessAccountId, job },
    });
    await ctx.p.journal.commit(change);
    return 'accepted';
  });
  if (answer === 'accepted') ctx.kick();
  return answer;
}
