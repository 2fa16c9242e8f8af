import { formatUtc, type Lang } from './texts.js';

/**
 * SpamBot's dialogue (RULES.md §5) as a pure state machine: given where the conversation stands,
 * the person's situation and what they wrote, it returns exactly one reply with its buttons, the
 * next state, and at most one effect (filing an appeal, mailing a code, checking a code). Texts
 * in English and Russian.
 *
 * A frozen account's appeal asks for a contact address, and the address must be verified: the
 * bot mails a code to it (effect `send_email_code`) and asks for the code back (step
 * `email_code`, effect `check_email_code`). What came of mailing or checking is impure; the
 * caller hands it to `afterEmailSent` / `afterCodeCheck`, which give the turn's final reply.
 */

export type BotStep = 'idle' | 'confirm' | 'describe' | 'email' | 'email_code';

export interface BotSession {
  step: BotStep;
  /** `story`: a number-limited account's complaint; `mistake`: an ordinary appeal. */
  flow?: 'mistake' | 'story';
  /** The description, kept while the e-mail is asked for. */
  text?: string;
  /** The address a code was mailed to, while its code is awaited. */
  email?: string;
}

export const IDLE: BotSession = { step: 'idle' };

export interface BotRestriction {
  state: 'free' | 'limited' | 'frozen' | 'banned';
  kind?: string;
  until?: number | null;
  deleteAt?: number;
  publicGroupsBan: boolean;
}

export interface BotSituation {
  restriction: BotRestriction;
  /** The open appeal, if any. */
  openAppeal: { createdAt: number; dueAt: number } | null;
  /** After a denied appeal: when the next may be filed (only when that is still ahead). */
  nextAppealAt: number | null;
  now: number;
  lang: Lang;
  /** Whether codes can be mailed (a relay is configured), and the addresses already verified. Absent: no mail. */
  mail?: { available: boolean; verified: readonly string[] };
}

export type BotEffect =
  | { type: 'file_appeal'; text: string; email: string | null; story: boolean }
  | { type: 'send_email_code'; address: string }
  | { type: 'check_email_code'; address: string; code: string };

/** What came of checking a code (support/emails.ts). */
export type CodeOutcome = 'ok' | 'wrong' | 'expired' | 'exhausted' | 'none';

export interface BotReply {
  text: string;
  buttons: string[][];
}

export interface BotTurn {
  reply: BotReply;
  session: BotSession;
  effect?: BotEffect;
}

type ButtonKey = 'spam' | 'mistake' | 'release' | 'story' | 'didNot' | 'did' | 'status' | 'cancel';

export const BUTTONS: Record<Lang, Record<ButtonKey, string>> = {
  en: {
    spam: 'What counts as spam?',
    mistake: 'This is a mistake',
    release: 'I was wrong, release me',
    story: 'Tell my story',
    didNot: 'I did not send anything like that',
    did: 'In fact, I did',
    status: 'My status',
    cancel: 'Cancel',
  },
  ru: {
    spam: 'Что считается спамом?',
    mistake: 'Это ошибка',
    release: 'Я ошибся, снимите ограничение',
    story: 'Рассказать свою историю',
    didNot: 'Я ничего такого не отправлял',
    did: 'Вообще-то, отправлял',
    status: 'Мой статус',
    cancel: 'Отмена',
  },
};

/** Which button a text is, in either language (people switch languages). */
export function buttonOf(text: string): ButtonKey | null {
  const t = text.trim().toLowerCase();
  for (const lang of ['en', 'ru'] as const) {
    for (const [key, label] of Object.entries(BUTTONS[lang])) if (label.toLowerCase() === t) return key as ButtonKey;
  }
  return null;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,63}$/;

function when(ms: number, lang: Lang): string {
  return formatUtc(ms, lang);
}

/** What a frozen account was frozen for, in words (the policy key is an interface identifier). */
const POLICY: Record<Lang, Record<string, string>> = {
  en: {
    spam: 'spam',
    scam: 'fraud or phishing',
    industrial_spam: 'mass spam',
    violence: 'promoting violence',
    pornography: 'illegal pornographic content',
    illegal_drugs: 'illegal drugs',
    child_abuse: 'child abuse',
  },
  ru: {
    spam: 'спам',
    scam: 'мошенничество или фишинг',
    industrial_spam: 'массовый спам',
    violence: 'пропаганда насилия',
    pornography: 'незаконный порнографический контент',
    illegal_drugs: 'незаконные наркотики',
    child_abuse: 'насилие над детьми',
  },
};

function policyName(kind: string | undefined, lang: Lang): string {
  return POLICY[lang][kind ?? 'spam'] ?? POLICY[lang].spam!;
}

const T = {
  en: {
    free: 'Good news: no limits are applied to your account. You can write to anyone who accepts messages from you.',
    freePgBan:
      'Your account is not limited, but after reports about public content you cannot post in public groups. Private chats and private groups work as usual.',
    meaning:
      'While the limit lasts you can write only to mutual contacts (people whose number you saved and who saved yours), and you can always reply to anyone who wrote to you first. You can still post in groups you are a member of, but you cannot create groups or channels or add people who are not mutual contacts. Repeated limits last longer, and can become permanent.',
    limitedUntil: (d: string, robot: boolean) =>
      `Your account is limited until ${d}, because ${robot ? 'our automated systems found that it was sending messages to many people who did not expect them' : 'people reported your messages as unwanted and a moderator confirmed it'}.`,
    limitedForever: 'Your account is limited with no end date, after repeated confirmed reports of unwanted messages.',
    alsoPgBan: 'After reports about public content you also cannot post in public groups.',
    limitedNumber:
      'Your account is limited because of its phone number: either it is a virtual (VoIP) number, or its previous owner was limited. This is not about anything you did. You can tell us your story and support will review it.',
    frozen: (d: string | null, policy: string) =>
      `Your account is frozen for breaking the Terms of Service (${policy}). You can read, but you cannot send messages or change anything.${d ? ` It will be deleted on ${d} unless an appeal succeeds.` : ''}`,
    frozenHeld: (d: string, policy: string) =>
      `Your account is frozen for breaking the Terms of Service (${policy}). You can read, but you cannot send messages or change anything. It was to be deleted on ${d}; it will not be deleted while your appeal is under review.`,
    appealOpen: (filed: string, due: string) => `Your appeal of ${filed} is under review. Support aims to answer by ${due}; I will write to you here.`,
    nextAppeal: (d: string) => `Your last appeal was reviewed and the decision stands. You can appeal again after ${d}.`,
    spam: 'Spam is any message people did not ask for: advertising, promotions, invitations to groups or channels, links, or even a plain "hello" sent to someone who does not know you. What matters is whether the recipient wanted it. Write to people only when you are sure they expect your message, and add people to groups only with their consent.',
    release: (d: string | null) =>
      `We are sorry, but an early release is not possible: people using the messenger value their peace, and the limit is how we protect it. ${d ? `It ends by itself on ${d}.` : 'If you believe it is a mistake, you can appeal instead.'}`,
    confirm: 'Before you appeal, please confirm: you did not send advertising, promotions or shocking material to people who had not asked for it.',
    honest: (d: string | null, frozen: boolean) =>
      `Thank you for being honest. ${frozen ? 'The account stays frozen.' : d ? `The limit ends by itself on ${d}. Until then, please write only to people who expect to hear from you.` : 'The limit stays. Please write only to people who expect to hear from you.'}`,
    describe: 'Please describe your case in one message: what you sent, to whom, and why you think the limit is a mistake.',
    story: 'Please tell your story in one message: when you got this number and how you use it.',
    email: 'Please send an e-mail address where support can reach you about the appeal.',
    badEmail: 'That does not look like an e-mail address. Please send one like name@example.com.',
    codeSent: (a: string) => `I have mailed a code to ${a}. Please send me the code from that mail, to confirm the address is yours.`,
    codeHint: (a: string) => `Please send the 6-digit code from the mail I sent to ${a}, or send another e-mail address.`,
    wrongCode: 'That code is not right. Please check the mail and send the code again.',
    codeExpired: 'That code is no longer valid. Please send your e-mail address again, and I will mail a new code.',
    sendFailed: 'I could not send mail to that address just now. Please check it and send it again, or try again later.',
    filed: (due: string) =>
      `Your appeal is filed. Support aims to review it by ${due} (usually within two or three days), and I will write to you here with the outcome.`,
    already: (filed: string) => `You already have an appeal under review (filed ${filed}). Please wait for the answer; I will write to you here.`,
    nothingToAppeal: 'There is nothing to appeal: no limits are applied to your account.',
    hint: 'Please answer with one of the buttons below.',
    cancelled: 'Cancelled. Nothing was sent.',
    overturned: 'Good news: support reviewed your appeal and lifted the restriction on your account. We are sorry for the trouble.',
    overturnedOther:
      'Support reviewed your appeal and lifted the restriction you appealed against. We are sorry for the trouble. Another restriction on your account still applies:',
    upheld: (next: string) => `Support reviewed your appeal, and the restriction stays. You can appeal again after ${next}.`,
    upheldEnded: 'Support reviewed your appeal, and the decision stands. The restriction has already ended, so no limits are applied to your account now.',
  },
  ru: {
    free: 'Хорошие новости: на ваш аккаунт не наложено никаких ограничений. Вы можете писать всем, кто принимает ваши сообщения.',
    freePgBan:
      'Ваш аккаунт не ограничен, но после жалоб на публичный контент вы не можете писать в публичных группах. Личные чаты и закрытые группы работают как обычно.',
    meaning:
      'Пока действует ограничение, вы можете писать только взаимным контактам (тем, чей номер сохранён у вас и у кого сохранён ваш), а отвечать можете всегда — любому, кто написал вам первым. В группах, где вы состоите, писать можно, но создавать группы и каналы и добавлять в них тех, кто не является взаимным контактом, нельзя. Повторные ограничения длятся дольше и могут стать бессрочными.',
    limitedUntil: (d: string, robot: boolean) =>
      `Ваш аккаунт ограничен до ${d}: ${robot ? 'наши автоматические системы обнаружили, что он писал многим людям, которые не ждали сообщений' : 'люди пожаловались на ваши сообщения как на нежелательные, и модератор это подтвердил'}.`,
    limitedForever: 'Ваш аккаунт ограничен бессрочно после повторных подтверждённых жалоб на нежелательные сообщения.',
    alsoPgBan: 'Кроме того, после жалоб на публичный контент вы не можете писать в публичных группах.',
    limitedNumber:
      'Ваш аккаунт ограничен из-за номера телефона: это виртуальный (VoIP) номер или у прежнего владельца номера были ограничения. Дело не в ваших действиях. Расскажите свою историю — поддержка её рассмотрит.',
    frozen: (d: string | null, policy: string) =>
      `Ваш аккаунт заморожен за нарушение Условий использования (${policy}). Читать можно, а отправлять сообщения и что-либо менять — нельзя.${d ? ` Он будет удалён ${d}, если апелляция не будет удовлетворена.` : ''}`,
    frozenHeld: (d: string, policy: string) =>
      `Ваш аккаунт заморожен за нарушение Условий использования (${policy}). Читать можно, а отправлять сообщения и что-либо менять — нельзя. Удаление было назначено на ${d}; пока ваша апелляция на рассмотрении, аккаунт не будет удалён.`,
    appealOpen: (filed: string, due: string) => `Ваша апелляция от ${filed} на рассмотрении. Поддержка постарается ответить до ${due}; я напишу вам здесь.`,
    nextAppeal: (d: string) => `Ваша прошлая апелляция рассмотрена, решение остаётся в силе. Подать новую можно после ${d}.`,
    spam: 'Спам — это любое сообщение, о котором не просили: реклама, акции, приглашения в группы и каналы, ссылки и даже простое «привет» незнакомому человеку. Важно, ждал ли получатель вашего сообщения. Пишите людям, только если уверены, что они ждут вашего сообщения, и добавляйте в группы только с их согласия.',
    release: (d: string | null) =>
      `Нам жаль, но снять ограничение досрочно нельзя: людям важен покой, и ограничение — способ его защитить. ${d ? `Оно закончится само ${d}.` : 'Если вы считаете это ошибкой, подайте апелляцию.'}`,
    confirm: 'Прежде чем подать апелляцию, подтвердите: вы не отправляли рекламу, акции или шокирующие материалы людям, которые об этом не просили.',
    honest: (d: string | null, frozen: boolean) =>
      `Спасибо за честность. ${frozen ? 'Аккаунт остаётся замороженным.' : d ? `Ограничение закончится само ${d}. До тех пор, пожалуйста, пишите только тем, кто ждёт ваших сообщений.` : 'Ограничение остаётся. Пожалуйста, пишите только тем, кто ждёт ваших сообщений.'}`,
    describe: 'Опишите ваш случай одним сообщением: что вы отправляли, кому и почему считаете ограничение ошибкой.',
    story: 'Расскажите свою историю одним сообщением: когда у вас появился этот номер и как вы им пользуетесь.',
    email: 'Пришлите адрес электронной почты, по которому поддержка сможет связаться с вами по апелляции.',
    badEmail: 'Это не похоже на адрес электронной почты. Пришлите адрес вида name@example.com.',
    codeSent: (a: string) => `Я отправил код на ${a}. Пришлите мне код из письма, чтобы подтвердить, что это ваш адрес.`,
    codeHint: (a: string) => `Пришлите 6-значный код из письма, которое я отправил на ${a}, или другой адрес электронной почты.`,
    wrongCode: 'Код неверный. Проверьте письмо и пришлите код ещё раз.',
    codeExpired: 'Этот код больше не действует. Пришлите адрес ещё раз, и я отправлю новый код.',
    sendFailed: 'Сейчас не получилось отправить письмо на этот адрес. Проверьте адрес и пришлите его ещё раз или попробуйте позже.',
    filed: (due: string) => `Апелляция подана. Поддержка постарается рассмотреть её до ${due} (обычно за два-три дня), и я напишу вам здесь о решении.`,
    already: (filed: string) => `У вас уже есть апелляция на рассмотрении (подана ${filed}). Дождитесь ответа — я напишу вам здесь.`,
    nothingToAppeal: 'Обжаловать нечего: на ваш аккаунт не наложено ограничений.',
    hint: 'Пожалуйста, ответьте одной из кнопок ниже.',
    cancelled: 'Отменено. Ничего не отправлено.',
    overturned: 'Хорошие новости: поддержка рассмотрела вашу апелляцию и сняла ограничение с аккаунта. Приносим извинения за неудобства.',
    overturnedOther:
      'Поддержка рассмотрела вашу апелляцию и сняла обжалованное ограничение. Приносим извинения за неудобства. Но на аккаунте остаётся другое ограничение:',
    upheld: (next: string) => `Поддержка рассмотрела вашу апелляцию, ограничение остаётся. Подать новую можно после ${next}.`,
    upheldEnded: 'Поддержка рассмотрела вашу апелляцию, решение остаётся в силе. Ограничение уже закончилось, сейчас на ваш аккаунт не наложено ограничений.',
  },
} as const;

function restricted(r: BotRestriction): boolean {
  return r.state === 'limited' || r.state === 'frozen' || r.publicGroupsBan;
}

function endOf(r: BotRestriction, lang: Lang): string | null {
  return r.state === 'limited' && r.until ? when(r.until, lang) : null;
}

function statusButtons(s: BotSituation): string[][] {
  const b = BUTTONS[s.lang];
  const r = s.restriction;
  if (!restricted(r)) return [[b.spam]];
  if (r.state === 'limited' && r.kind === 'number') return [[b.story], [b.spam]];
  if (r.state === 'frozen' || r.state === 'banned' || r.state === 'free') return [[b.mistake], [b.spam]];
  return [[b.mistake], [b.release], [b.spam]];
}

/** Where the account stands, in full. */
export function statusText(s: BotSituation): string {
  const t = T[s.lang];
  const r = s.restriction;
  const parts: string[] = [];
  if (r.state === 'limited') {
    if (r.kind === 'number') parts.push(t.limitedNumber);
    else if (r.until) parts.push(t.limitedUntil(when(r.until, s.lang), r.kind === 'robot'));
    else parts.push(t.limitedForever);
    parts.push(t.meaning);
    if (r.publicGroupsBan) parts.push(t.alsoPgBan);
  } else if (r.state === 'frozen') {
    // Past its deletion date, an open appeal is what holds the deletion: no date in the past is promised.
    if (r.deleteAt && r.deleteAt <= s.now && s.openAppeal) parts.push(t.frozenHeld(when(r.deleteAt, s.lang), policyName(r.kind, s.lang)));
    else parts.push(t.frozen(r.deleteAt ? when(r.deleteAt, s.lang) : null, policyName(r.kind, s.lang)));
  } else if (r.publicGroupsBan) {
    parts.push(t.freePgBan);
  } else {
    parts.push(t.free);
  }
  if (s.openAppeal) parts.push(t.appealOpen(when(s.openAppeal.createdAt, s.lang), when(s.openAppeal.dueAt, s.lang)));
  else if (s.nextAppealAt && restricted(r)) parts.push(t.nextAppeal(when(s.nextAppealAt, s.lang)));
  return parts.join('\n\n');
}

function status(s: BotSituation): BotTurn {
  return { reply: { text: statusText(s), buttons: statusButtons(s) }, session: IDLE };
}

/** Starting an appeal: refused when one is open, too soon after a denial, or nothing to appeal. */
function startAppeal(s: BotSituation): BotTurn {
  const t = T[s.lang];
  const b = BUTTONS[s.lang];
  if (!restricted(s.restriction)) return { reply: { text: t.nothingToAppeal, buttons: statusButtons(s) }, session: IDLE };
  if (s.openAppeal) return { reply: { text: t.already(when(s.openAppeal.createdAt, s.lang)), buttons: statusButtons(s) }, session: IDLE };
  if (s.nextAppealAt && s.nextAppealAt > s.now)
    return { reply: { text: t.nextAppeal(when(s.nextAppealAt, s.lang)), buttons: statusButtons(s) }, session: IDLE };
  // A number-limited account tells its story; everyone else confirms first (RULES.md §5).
  if (s.restriction.state === 'limited' && s.restriction.kind === 'number') {
    return { reply: { text: t.story, buttons: [[b.cancel]] }, session: { step: 'describe', flow: 'story' } };
  }
  return { reply: { text: t.confirm, buttons: [[b.didNot], [b.did]] }, session: { step: 'confirm', flow: 'mistake' } };
}

/** The appeal's due time as SpamBot promises it (filing time + 48 h). */
export const APPEAL_DUE_MS = 48 * 3600_000;

function file(s: BotSituation, text: string, email: string | null, story: boolean): BotTurn {
  const t = T[s.lang];
  // Still one open appeal per account, and none before the cooling-off after a denial ends.
  if (s.openAppeal) return { reply: { text: t.already(when(s.openAppeal.createdAt, s.lang)), buttons: statusButtons(s) }, session: IDLE };
  if (s.nextAppealAt && s.nextAppealAt > s.now)
    return { reply: { text: t.nextAppeal(when(s.nextAppealAt, s.lang)), buttons: statusButtons(s) }, session: IDLE };
  return {
    reply: { text: t.filed(when(s.now + APPEAL_DUE_MS, s.lang)), buttons: [[BUTTONS[s.lang].spam]] },
    session: IDLE,
    effect: { type: 'file_appeal', text, email, story },
  };
}

function honest(s: BotSituation): BotTurn {
  return {
    reply: { text: T[s.lang].honest(endOf(s.restriction, s.lang), s.restriction.state === 'frozen'), buttons: [[BUTTONS[s.lang].spam]] },
    session: IDLE,
  };
}

export function spamBotTurn(session: BotSession, input: string, s: BotSituation): BotTurn {
  const t = T[s.lang];
  const b = BUTTONS[s.lang];
  const text = input.trim();
  const lower = text.toLowerCase();
  if (lower === '/start' || lower.startsWith('/start ') || lower.startsWith('/start@')) return status(s);
  const button = buttonOf(text);
  if (button === 'status') return status(s);
  if (button === 'cancel') return { reply: { text: t.cancelled, buttons: statusButtons(s) }, session: IDLE };

  switch (session.step) {
    case 'confirm':
      if (button === 'release' || button === 'mistake' || button === 'story') break; // a menu button leaves the flow
      if (button === 'didNot') return { reply: { text: t.describe, buttons: [[b.cancel]] }, session: { step: 'describe', flow: 'mistake' } };
      if (button === 'did') return honest(s);
      if (button === 'spam') return { reply: { text: t.spam, buttons: [[b.didNot], [b.did]] }, session };
      return { reply: { text: t.hint, buttons: [[b.didNot], [b.did]] }, session };
    case 'describe': {
      if (button && button !== 'didNot' && button !== 'did') break; // a menu button leaves the flow
      if (!restricted(s.restriction)) return status(s);
      // A button is not a description: "I did not…" pressed again asks again; "In fact, I did" ends kindly.
      if (button === 'did' && session.flow !== 'story') return honest(s);
      if (button) return { reply: { text: session.flow === 'story' ? t.story : t.describe, buttons: [[b.cancel]] }, session };
      const story = session.flow === 'story';
      // A frozen account leaves a contact address (RULES.md §5), verified by a code when mail can be sent.
      if (s.restriction.state === 'frozen')
        return { reply: { text: t.email, buttons: [[b.cancel]] }, session: { step: 'email', flow: session.flow ?? 'mistake', text } };
      return file(s, text, null, story);
    }
    case 'email': {
      if (button) break;
      if (!restricted(s.restriction)) return status(s);
      if (!EMAIL.test(text)) return { reply: { text: t.badEmail, buttons: [[b.cancel]] }, session };
      return useAddress(s, session, text);
    }
    case 'email_code': {
      if (button) break;
      if (!restricted(s.restriction)) return status(s);
      const address = session.email ?? '';
      // Another address instead: a code goes to that one.
      if (EMAIL.test(text)) return useAddress(s, session, text);
      const code = text.replace(/[\s-]/g, '');
      if (/^[0-9]{6}$/.test(code) && address) {
        return { reply: { text: t.codeHint(address), buttons: [[b.cancel]] }, session, effect: { type: 'check_email_code', address, code } };
      }
      return { reply: { text: t.codeHint(address), buttons: [[b.cancel]] }, session };
    }
    case 'idle':
      break;
  }
  switch (button) {
    case 'spam':
      return { reply: { text: t.spam, buttons: statusButtons(s) }, session: IDLE };
    case 'release':
      if (!restricted(s.restriction)) return { reply: { text: t.free, buttons: statusButtons(s) }, session: IDLE };
      return { reply: { text: t.release(endOf(s.restriction, s.lang)), buttons: statusButtons(s) }, session: IDLE };
    case 'mistake':
    case 'story':
      return startAppeal(s);
    default:
      return status(s);
  }
}

/**
 * An address given for the appeal: filed at once when already verified, else a code is mailed.
 * Without mail no code can be sent: the address is kept as the appeal's contact as given, and,
 * unverified, it binds no mail to the account (docs/DECISIONS.md, "Matching e-mail to an account").
 */
function useAddress(s: BotSituation, session: BotSession, address: string): BotTurn {
  const story = session.flow === 'story';
  const lower = address.toLowerCase();
  if (s.mail?.verified.includes(lower)) return file(s, session.text ?? '', address, story);
  if (!s.mail?.available) return file(s, session.text ?? '', lower, story);
  return {
    reply: { text: T[s.lang].codeSent(lower), buttons: [[BUTTONS[s.lang].cancel]] },
    session: { step: 'email_code', flow: session.flow ?? 'mistake', text: session.text ?? '', email: lower },
    effect: { type: 'send_email_code', address: lower },
  };
}

/** The turn once the code was mailed (`sent`), or could not be: the address is asked for again. */
export function afterEmailSent(turn: BotTurn, sent: boolean, s: BotSituation): BotTurn {
  if (sent) return { reply: turn.reply, session: turn.session };
  const { email: _gone, ...rest } = turn.session;
  return { reply: { text: T[s.lang].sendFailed, buttons: [[BUTTONS[s.lang].cancel]] }, session: { ...rest, step: 'email' } };
}

/** The turn once a code was checked: a right one files the appeal with the verified address. */
export function afterCodeCheck(turn: BotTurn, outcome: CodeOutcome, s: BotSituation): BotTurn {
  const t = T[s.lang];
  const session = turn.session;
  if (outcome === 'ok') return file(s, session.text ?? '', session.email ?? null, session.flow === 'story');
  if (outcome === 'wrong') return { reply: { text: t.wrongCode, buttons: [[BUTTONS[s.lang].cancel]] }, session };
  const { email: _gone, ...rest } = session;
  return { reply: { text: t.codeExpired, buttons: [[BUTTONS[s.lang].cancel]] }, session: { ...rest, step: 'email' } };
}

/**
 * SpamBot's message when support decides an appeal, true to where the account stands once it is
 * decided (`s`): an overturn lifts only the restriction appealed against (RULES.md §5), so another
 * may still apply, and an appeal stays open after its restriction ended, so an upheld one may find
 * the account free. The message never says "lifted" or "stays" where `/v1/me` says otherwise.
 */
export function appealOutcomeText(outcome: 'overturn' | 'uphold', nextAppealAt: number, s: BotSituation): string {
  const t = T[s.lang];
  const r = s.restriction;
  const still = r.state !== 'free' || r.publicGroupsBan;
  if (outcome === 'overturn') return still ? `${t.overturnedOther}\n\n${statusText(s)}` : t.overturned;
  // Upheld, the status follows: the restriction that stays may not be the one appealed against
  // (that one may have ended while another began), and the status says which applies, until when.
  // The first sentence already says when the next appeal may be filed: the status does not repeat it.
  return still ? `${t.upheld(when(nextAppealAt, s.lang))}\n\n${statusText({ ...s, nextAppealAt: null })}` : t.upheldEnded;
}
