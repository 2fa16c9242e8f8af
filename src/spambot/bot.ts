import type { CompiledQuery } from 'kysely';
import { IDLE, afterCodeCheck, afterEmailSent, appealOutcomeText, spamBotTurn, type BotSession, type BotSituation, type BotTurn } from '../domain/spambot.js';
import { Flag } from '../domain/gate.js';
import type { Lang } from '../domain/texts.js';
import { APPEAL_COOLDOWN_MS, emitAppeal, nextAppealAt, UNTOLD, untoldKey } from '../enforcement/appeals.js';
import { key, type Held } from '../events/serial.js';
import { each, row, rows } from '../store/read.js';
import { isConflict } from '../store/store.js';
import type { AppealsTable } from '../store/schema/appeals.js';
import type { Platform } from '../platform/context.js';
import { Turns } from '../platform/turns.js';
import { systemMessageOn } from '../platform/messages.js';
import type { EmailVerification } from '../support/emails.js';

/**
 * SpamBot: an ordinary account that answers every message with exactly one message and its
 * buttons. The conversation is the pure state machine of domain/spambot.ts; this class gives it
 * the person's situation, files the appeals it asks for, and stores its state and reply.
 */
export class SpamBot {
  private readonly sessions = new Map<number, BotSession>();
  /**
   * Each person's turns run one at a time: a turn reads the session and the open appeal, and
   * filing awaits the store, so two messages sent at once must not both file an appeal.
   */
  private readonly turns = new Turns();
  /** The language of each person's last turn: an outcome written later, unasked, uses it. */
  private readonly langs = new Map<number, Lang>();
  /** How many answers each person has had: the once key of the next one (several nodes). */
  private readonly answered = new Map<number, number>();

  constructor(
    private readonly p: Platform,
    /** Verifies a frozen account's contact address (null: no mail, the address is not asked for). */
    private readonly emails: EmailVerification | null = null,
  ) {}

  async load(): Promise<void> {
    for await (const r of each(this.p.store, this.p.store.db.selectFrom('spambot_sessions').select(['account_id', 'state']))) {
      const { lang, n, ...session } = JSON.parse(r.state) as BotSession & { lang?: Lang; n?: number };
      this.sessions.set(r.account_id, session);
      if (n !== undefined) this.answered.set(r.account_id, n);
      if (lang === 'en' || lang === 'ru') this.langs.set(r.account_id, lang);
    }
  }

  /**
   * Tells the outcomes SpamBot has not told yet: the decision's write and SpamBot's message are
   * two writes, and a process stopped between them (before the staff member got an answer: a
   * retry is `409 APPEAL_ALREADY_DECIDED`) would leave the person untold. The decision marks its
   * appeal untold in its own write (`UNTOLD`), the outcome's message clears the mark in its own.
   * Run at start, once memory is loaded; returns how many it told.
   */
  async resumeNotices(): Promise<number> {
    const p = this.p;
    // A LIKE (a scan at start) rather than a key range: PostgreSQL's collation need not order
    // punctuation by code point.
    const marks = await rows(p.store, p.store.db.selectFrom('once_keys').select('key').where('key', 'like', `${UNTOLD}%`));
    let told = 0;
    for (const { key: k } of marks) {
      const id = Number(k.slice(UNTOLD.length));
      const ap = Number.isSafeInteger(id) ? await row(p.store, p.store.db.selectFrom('appeals').selectAll().where('id', '=', id)) : undefined;
      try {
        if (ap && ap.state === 'decided' && p.index.exists(ap.account_id) && (p.index.flags(ap.account_id) & Flag.DELETED) === 0) {
          await this.notifyAppealOutcome(ap);
          told++;
        } else await p.store.db.deleteFrom('once_keys').where('key', '=', k).execute();
      } catch (err) {
        // Another node starting at the same time told it first (its once key).
        p.log.warn({ err, appeal: id }, 'an appeal outcome could not be told at start');
      }
    }
    if (told > 0) p.log.info({ told }, 'appeal outcomes told at start');
    return told;
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

  answer(from: number, text: string, lang: Lang): Promise<void> {
    // Under the person's key too: filing an appeal checks "one open appeal" against decisions.
    return this.turns.run(from, () => this.p.serial.run([key.account(from)], (held) => this.turn(from, text, lang, held)));
  }

  /**
   * With several nodes the person's previous message may have been answered by another node:
   * the session is read from the database, and each answer takes the once key of its number,
   * so that two nodes answering at once cannot both answer (the loser reads again and answers
   * the next message).
   */
  private async refresh(from: number): Promise<void> {
    if (!this.p.journal.guarded) return;
    const r = await this.p.store.first<{ state: string }>(this.p.store.db.selectFrom('spambot_sessions').select('state').where('account_id', '=', from));
    if (!r) return;
    const { lang, n, ...session } = JSON.parse(r.state) as BotSession & { lang?: Lang; n?: number };
    this.sessions.set(from, session);
    this.answered.set(from, n ?? 0);
    if (lang === 'en' || lang === 'ru') this.langs.set(from, lang);
  }

  /** The stored session, with the number of the answer that writes it. */
  private stored(a: number, session: BotSession, lang: Lang, change: ReturnType<Platform['journal']['change']>, now: number): string {
    const n = (this.answered.get(a) ?? 0) + 1;
    change.once(`spambot:${a}:${n}`, now);
    change.after(() => this.answered.set(a, n));
    return JSON.stringify({ ...session, lang, n });
  }

  private async turn(from: number, text: string, lang: Lang, held: Held): Promise<void> {
    const p = this.p;
    await this.refresh(from);
    const now = p.clock.now();
    const session = this.sessions.get(from) ?? IDLE;
    const situation = this.situation(from, lang, now);
    if (this.emails && (session.step === 'email' || session.step === 'email_code' || session.step === 'describe')) {
      situation.mail = { available: this.emails.available, verified: await this.emails.verifiedOf(from) };
    }
    const turn = await this.mailEffects(from, spamBotTurn(session, text, situation), situation, lang, held);
    const writes: CompiledQuery[] = [];
    const change = p.journal.change();
    if (turn.effect?.type === 'file_appeal') {
      await emitAppeal(p, change, from, { text: turn.effect.text, email: turn.effect.email?.toLowerCase() ?? null, story: turn.effect.story }, now);
    }
    this.sessions.set(from, turn.session);
    this.langs.set(from, lang);
    const state = this.stored(from, turn.session, lang, change, now);
    writes.push(
      p.store.db
        .insertInto('spambot_sessions')
        .values({ account_id: from, state, updated_at: now })
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ state, updated_at: now }))
        .compile(),
    );
    systemMessageOn(p, change, p.index.spamBotId, from, turn.reply.text, turn.reply.buttons, now);
    await p.journal.commit(change.sql(...writes));
  }

  /** Mails a code, or checks one, and gives the turn that follows from what came of it. */
  private async mailEffects(from: number, turn: BotTurn, s: BotSituation, lang: Lang, held: Held): Promise<BotTurn> {
    const emails = this.emails;
    if (!emails) return turn;
    if (turn.effect?.type === 'send_email_code') {
      const sent = await emails.start(from, turn.effect.address, lang, held).then(
        () => true,
        (err: unknown) => {
          this.p.log.warn({ err }, 'SpamBot could not mail a verification code');
          return false;
        },
      );
      return afterEmailSent(turn, sent, s);
    }
    if (turn.effect?.type === 'check_email_code') return afterCodeCheck(turn, await emails.check(from, turn.effect.address, turn.effect.code, held), s);
    return turn;
  }

  /** Tells the person how support decided their appeal. */
  notifyAppealOutcome(appeal: AppealsTable): Promise<void> {
    const a = appeal.account_id;
    return this.turns.run(a, async () => {
      const p = this.p;
      const now = p.clock.now();
      const lang = p.index.language(a) ?? this.langs.get(a) ?? 'en';
      const situation = this.situation(a, lang, now);
      const text = appealOutcomeText(appeal.outcome as 'overturn' | 'uphold', (appeal.decided_at ?? now) + APPEAL_COOLDOWN_MS, situation);
      const buttons = spamBotTurn(IDLE, '/start', situation).reply.buttons;
      // The outcome ends any half-finished conversation, here and in the stored session.
      this.sessions.set(a, IDLE);
      await this.refresh(a);
      this.sessions.set(a, IDLE);
      const change = p.journal.change();
      const state = this.stored(a, IDLE, lang, change, now);
      change.sql(
        p.store.db
          .insertInto('spambot_sessions')
          .values({ account_id: a, state, updated_at: now })
          .onConflict((oc) => oc.column('account_id').doUpdateSet({ state, updated_at: now }))
          .compile(),
      );
      systemMessageOn(p, change, p.index.spamBotId, a, text, buttons, now);
      // Told: the mark the decision left goes, and the outcome is told once across nodes too
      // (`resumeNotices` at two starts at once).
      change.sql(p.store.db.deleteFrom('once_keys').where('key', '=', untoldKey(appeal.id)).compile());
      change.once(`appeal-told:${appeal.id}`, now);
      try {
        await p.journal.commit(change);
      } catch (err) {
        // Another node told it first (a start's `resumeNotices` racing the decision's own).
        if (!isConflict(err)) throw err;
      }
    });
  }
}
