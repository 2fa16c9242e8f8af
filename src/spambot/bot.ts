import type { CompiledQuery } from 'kysely';
import { IDLE, appealOutcomeText, spamBotTurn, type BotSession, type BotSituation } from '../domain/spambot.js';
import type { Lang } from '../domain/texts.js';
import { APPEAL_COOLDOWN_MS, fileAppealStatements, nextAppealAt } from '../enforcement/appeals.js';
import type { AppealsTable } from '../store/schema/appeals.js';
import type { Platform } from '../platform/context.js';
import { systemMessage } from '../platform/messages.js';

/**
 * SpamBot: an ordinary account that answers every message with exactly one message and its
 * buttons. The conversation is the pure state machine of domain/spambot.ts; this class gives it
 * the person's situation, files the appeals it asks for, and stores its state and reply.
 */
export class SpamBot {
  private readonly sessions = new Map<number, BotSession>();

  constructor(private readonly p: Platform) {}

  async load(): Promise<void> {
    for await (const r of this.p.store.iterate<{ account_id: number; state: string }>(this.p.store.db.selectFrom('spambot_sessions').select(['account_id', 'state']))) {
      this.sessions.set(r.account_id, JSON.parse(r.state) as BotSession);
    }
  }

  /** Registers SpamBot as the handler of its account's messages. */
  attach(): void {
    this.p.inbox.set(this.p.index.spamBotId, (from, text, lang) => this.answer(from, text, lang));
  }

  situation(a: number, lang: Lang, now: number): BotSituation {
    const r = this.p.restrictions.refresh(a, now);
    const open = this.p.enforcement.openAppeals.get(a);
    return {
      restriction: { state: r.state, kind: r.kind, until: r.until, deleteAt: r.deleteAt, publicGroupsBan: r.publicGroupsBan },
      openAppeal: open ? { createdAt: open.createdAt, dueAt: open.dueAt } : null,
      nextAppealAt: nextAppealAt(this.p, a, now),
      now,
      lang,
    };
  }

  async answer(from: number, text: string, lang: Lang): Promise<void> {
    const p = this.p;
    const now = p.clock.now();
    const turn = spamBotTurn(this.sessions.get(from) ?? IDLE, text, this.situation(from, lang, now));
    const writes: CompiledQuery[] = [];
    if (turn.effect?.type === 'file_appeal') {
      writes.push(...(await fileAppealStatements(p, from, { text: turn.effect.text, email: turn.effect.email?.toLowerCase() ?? null, story: turn.effect.story }, now)).writes);
    }
    this.sessions.set(from, turn.session);
    const state = JSON.stringify(turn.session);
    writes.push(
      p.store.db
        .insertInto('spambot_sessions')
        .values({ account_id: from, state, updated_at: now })
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ state, updated_at: now }))
        .compile(),
      ...systemMessage(p, p.index.spamBotId, from, turn.reply.text, turn.reply.buttons, now),
    );
    await p.store.write(writes);
  }

  /** Tells the person how support decided their appeal. */
  async notifyAppealOutcome(appeal: AppealsTable): Promise<void> {
    const p = this.p;
    const now = p.clock.now();
    const a = appeal.account_id;
    const lang = p.index.language(a) ?? 'en';
    const text = appealOutcomeText(appeal.outcome as 'overturn' | 'uphold', Number(appeal.decided_at ?? now) + APPEAL_COOLDOWN_MS, lang);
    const buttons = this.statusButtonsFor(a, lang, now);
    this.sessions.set(a, IDLE);
    await p.store.write(systemMessage(p, p.index.spamBotId, a, text, buttons, now));
  }

  private statusButtonsFor(a: number, lang: Lang, now: number): string[][] {
    return spamBotTurn(IDLE, '/start', this.situation(a, lang, now)).reply.buttons;
  }
}
