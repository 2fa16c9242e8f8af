import { describe, expect, it } from 'vitest';
import {
  APPEAL_DUE_MS,
  BUTTONS,
  IDLE,
  afterCodeCheck,
  afterEmailSent,
  appealOutcomeText,
  buttonOf,
  spamBotTurn,
  statusText,
  type BotRestriction,
  type BotSession,
  type BotSituation,
  type BotTurn,
} from './spambot.js';
import type { Lang } from './texts.js';

/** RULES.md §5: SpamBot's whole dialogue, as a pure state machine, in English and Russian. */

const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

const NOW = at(2026, 11, 24, 9, 15, 12, 345);

const FREE: BotRestriction = { state: 'free', publicGroupsBan: false };
/** Ends a little before 14:00: shown as 14:00 (rounded up, never earlier than the real end). */
const UNTIL = at(2026, 11, 26, 13, 59, 30, 500);
const LIMITED: BotRestriction = { state: 'limited', kind: 'report', until: UNTIL, publicGroupsBan: false };
const ROBOT: BotRestriction = { state: 'limited', kind: 'robot', until: UNTIL, publicGroupsBan: false };
const FOREVER: BotRestriction = { state: 'limited', kind: 'permanent', until: null, publicGroupsBan: false };
const NUMBER: BotRestriction = { state: 'limited', kind: 'number', until: null, publicGroupsBan: false };
const DELETE_AT = at(2026, 12, 8, 9, 15, 0, 1);
const FROZEN: BotRestriction = { state: 'frozen', kind: 'scam', deleteAt: DELETE_AT, publicGroupsBan: false };
const PG_BAN: BotRestriction = { state: 'free', publicGroupsBan: true };

const SHOWN = {
  until: { en: '26 Nov 2026, 14:00 UTC', ru: '26 ноября 2026, 14:00 UTC' },
  deleteAt: { en: '8 Dec 2026, 09:16 UTC', ru: '8 декабря 2026, 09:16 UTC' },
  /** NOW + 48 h, rounded up. */
  due: { en: '26 Nov 2026, 09:16 UTC', ru: '26 ноября 2026, 09:16 UTC' },
} as const;

const LANGS: Lang[] = ['en', 'ru'];
const ALL: Array<[string, BotRestriction]> = [
  ['free', FREE],
  ['limited until a date', LIMITED],
  ['limited by a robot', ROBOT],
  ['limited without end', FOREVER],
  ['limited because of the number', NUMBER],
  ['frozen', FROZEN],
  ['banned from public groups', PG_BAN],
];

function sit(restriction: BotRestriction, lang: Lang, extra: Partial<BotSituation> = {}): BotSituation {
  return { restriction, openAppeal: null, nextAppealAt: null, now: NOW, lang, mail: { available: true, verified: [] }, ...extra };
}

/** The appeal a turn files, if any. */
function filing(turn: BotTurn | undefined) {
  return turn?.effect?.type === 'file_appeal' ? turn.effect : undefined;
}

/** Plays the inputs in order; returns every turn (each turn starts from the previous one's session). */
function talk(s: BotSituation, inputs: string[], start: BotSession = IDLE): BotTurn[] {
  const turns: BotTurn[] = [];
  let session = start;
  for (const input of inputs) {
    const turn = spamBotTurn(session, input, s);
    turns.push(turn);
    session = turn.session;
  }
  return turns;
}

function last(s: BotSituation, inputs: string[], start: BotSession = IDLE): BotTurn {
  return talk(s, inputs, start).at(-1)!;
}

const CYRILLIC = /[а-яё]/i;

function expectLanguage(text: string, lang: Lang): void {
  expect(text.trim().length, 'a reply is never empty').toBeGreaterThan(0);
  if (lang === 'ru') expect(text, 'a Russian reply').toMatch(CYRILLIC);
  else expect(text, 'an English reply').not.toMatch(CYRILLIC);
}

function flat(buttons: string[][]): string[] {
  return buttons.flat();
}

const DATE = /\d{1,2} \S+ \d{4}, \d\d:\d\d UTC/;

describe('BUTTONS', () => {
  it('has the same buttons in both languages, every label distinct and recognised', () => {
    expect(Object.keys(BUTTONS.ru).sort()).toEqual(Object.keys(BUTTONS.en).sort());
    const labels = [...Object.values(BUTTONS.en), ...Object.values(BUTTONS.ru)].map((l) => l.toLowerCase());
    expect(new Set(labels).size).toBe(labels.length);
    for (const lang of LANGS) {
      for (const [key, label] of Object.entries(BUTTONS[lang])) {
        expect(buttonOf(label)).toBe(key);
        expect(buttonOf(`  ${label.toUpperCase()}  `)).toBe(key);
        expectLanguage(label, lang);
      }
    }
    expect(buttonOf('hello')).toBeNull();
    expect(buttonOf('This is a mistake, really')).toBeNull();
  });
});

describe('status', () => {
  describe.each(LANGS)('in %s', (lang) => {
    const b = BUTTONS[lang];

    it.each(ALL)('%s: answers /start with the status and at least one button, from any step', (_name, r) => {
      for (const start of [
        IDLE,
        { step: 'confirm', flow: 'mistake' },
        { step: 'describe', flow: 'mistake' },
        { step: 'email', flow: 'mistake', text: 'x' },
      ] as BotSession[]) {
        const turn = spamBotTurn(start, '/start', sit(r, lang));
        expect(turn.reply.text).toBe(statusText(sit(r, lang)));
        expect(flat(turn.reply.buttons).length).toBeGreaterThanOrEqual(1);
        expect(turn.session).toEqual(IDLE);
        expect(turn.effect).toBeUndefined();
        expectLanguage(turn.reply.text, lang);
      }
      // Any text with no question pending is also answered with the status.
      const any = spamBotTurn(IDLE, 'hi there, what is going on?', sit(r, lang));
      expect(any.reply.text).toBe(statusText(sit(r, lang)));
      expect(any.session).toEqual(IDLE);
      // The "My status" button too, and /start with a parameter.
      expect(spamBotTurn(IDLE, b.status, sit(r, lang)).reply.text).toBe(statusText(sit(r, lang)));
      expect(spamBotTurn(IDLE, '/start deep-link', sit(r, lang)).reply.text).toBe(statusText(sit(r, lang)));
    });

    it('free: says so, with a button', () => {
      const turn = spamBotTurn(IDLE, '/start', sit(FREE, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /no limits/i : /не наложено никаких ограничений/);
      expect(turn.reply.text).not.toMatch(DATE);
      expect(turn.reply.buttons).toEqual([[b.spam]]);
    });

    it('limited until a date: the date in UTC, rounded up to the minute, and what the limit means', () => {
      const turn = spamBotTurn(IDLE, '/start', sit(LIMITED, lang));
      const text = turn.reply.text;
      expect(text).toContain(SHOWN.until[lang]);
      expect(text).not.toContain(lang === 'en' ? '13:59' : '13:59');
      if (lang === 'en') {
        expect(text).toMatch(/mutual contacts/);
        expect(text).toMatch(/reply to anyone who wrote to you first/);
        expect(text).toMatch(/groups/);
        expect(text).toMatch(/channels/);
        expect(text).toMatch(/Repeated limits last longer/);
        expect(text).toMatch(/reported/);
      } else {
        expect(text).toMatch(/взаимным контактам/);
        expect(text).toMatch(/отвечать можете всегда/);
        expect(text).toMatch(/групп/);
        expect(text).toMatch(/канал/);
        expect(text).toMatch(/Повторные ограничения длятся дольше/);
        expect(text).toMatch(/пожаловались/);
      }
      expect(turn.reply.buttons).toEqual([[b.mistake], [b.release], [b.spam]]);
    });

    it('limited by a robot: says it was automated', () => {
      const text = spamBotTurn(IDLE, '/start', sit(ROBOT, lang)).reply.text;
      expect(text).toContain(SHOWN.until[lang]);
      expect(text).toMatch(lang === 'en' ? /automated/ : /автоматические/);
    });

    it('limited without an end date: no date, and still explains the limit', () => {
      const turn = spamBotTurn(IDLE, '/start', sit(FOREVER, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /no end date/ : /бессрочно/);
      expect(turn.reply.text).not.toMatch(DATE);
      expect(turn.reply.text).toMatch(lang === 'en' ? /mutual contacts/ : /взаимным контактам/);
      expect(turn.reply.text).toMatch(lang === 'en' ? /last longer/ : /длятся дольше/);
      expect(flat(turn.reply.buttons)).toContain(b.mistake);
      expect(flat(turn.reply.buttons)).toContain(b.release);
    });

    it('limited because of the number: explains it and offers "Tell my story"', () => {
      const turn = spamBotTurn(IDLE, '/start', sit(NUMBER, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /phone number/ : /номера телефона/);
      expect(turn.reply.text).toMatch(/VoIP/);
      expect(turn.reply.text).toMatch(lang === 'en' ? /mutual contacts/ : /взаимным контактам/);
      expect(turn.reply.buttons[0]).toEqual([b.story]);
      expect(flat(turn.reply.buttons)).not.toContain(b.release);
    });

    it('frozen: the deletion date, the reason in words, and an appeal button', () => {
      const turn = spamBotTurn(IDLE, '/start', sit(FROZEN, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /frozen/ : /заморожен/);
      expect(turn.reply.text).toContain(SHOWN.deleteAt[lang]);
      expect(turn.reply.text).toMatch(lang === 'en' ? /fraud or phishing/ : /мошенничество/);
      // The policy key is an identifier, not a word to show (certainly not inside Russian text).
      if (lang === 'ru') expect(turn.reply.text).not.toMatch(/scam/);
      expect(turn.reply.buttons[0]).toEqual([b.mistake]);
      expect(flat(turn.reply.buttons)).not.toContain(b.release);
    });

    it('banned from public groups: says what it means, with an appeal button', () => {
      const turn = spamBotTurn(IDLE, '/start', sit(PG_BAN, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /cannot post in public groups/ : /не можете писать в публичных группах/);
      expect(turn.reply.text).not.toMatch(lang === 'en' ? /no limits/ : /никаких ограничений/);
      expect(flat(turn.reply.buttons)).toContain(b.mistake);
    });

    it('a limit with a public-groups ban mentions both', () => {
      const text = statusText(sit({ ...LIMITED, publicGroupsBan: true }, lang));
      expect(text).toContain(SHOWN.until[lang]);
      expect(text).toMatch(lang === 'en' ? /public groups/ : /публичных группах/);
    });

    it('mentions an appeal under review, with its due date', () => {
      const text = statusText(sit(LIMITED, lang, { openAppeal: { createdAt: NOW - HOUR, dueAt: NOW - HOUR + APPEAL_DUE_MS } }));
      expect(text).toMatch(lang === 'en' ? /under review/ : /на рассмотрении/);
      expect(text).toContain(lang === 'en' ? '26 Nov 2026, 08:16 UTC' : '26 ноября 2026, 08:16 UTC');
    });

    it('mentions when the next appeal is possible after a denied one', () => {
      const next = NOW + 3 * DAY;
      const text = statusText(sit(LIMITED, lang, { nextAppealAt: next }));
      expect(text).toContain(lang === 'en' ? '27 Nov 2026, 09:16 UTC' : '27 ноября 2026, 09:16 UTC');
      // A free account is not told about appeals it does not need.
      expect(statusText(sit(FREE, lang, { nextAppealAt: next }))).not.toMatch(DATE);
    });
  });
});

describe('"What counts as spam?"', () => {
  it.each(LANGS)('explains it (%s), keeping the status buttons', (lang) => {
    for (const [, r] of ALL) {
      const turn = spamBotTurn(IDLE, BUTTONS[lang].spam, sit(r, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /advertising/ : /реклама/);
      expect(turn.reply.text).toMatch(lang === 'en' ? /"hello"/ : /«привет»/);
      expect(turn.reply.buttons).toEqual(spamBotTurn(IDLE, '/start', sit(r, lang)).reply.buttons);
      expect(turn.session).toEqual(IDLE);
      expect(turn.effect).toBeUndefined();
    }
  });
});

describe('"I was wrong, release me"', () => {
  it.each(LANGS)('is refused politely, every time (%s)', (lang) => {
    const s = sit(LIMITED, lang);
    const turns = talk(s, [BUTTONS[lang].release, BUTTONS[lang].release, BUTTONS[lang].release]);
    for (const turn of turns) {
      expect(turn.reply.text).toMatch(lang === 'en' ? /sorry.*not possible/ : /жаль.*нельзя/);
      expect(turn.reply.text).toContain(SHOWN.until[lang]);
      expect(turn.effect).toBeUndefined();
      expect(turn.session).toEqual(IDLE);
      expect(turn.reply.buttons).toEqual([[BUTTONS[lang].mistake], [BUTTONS[lang].release], [BUTTONS[lang].spam]]);
    }
    expect(turns[1]!.reply.text).toBe(turns[0]!.reply.text);
    expect(turns[2]!.reply.text).toBe(turns[0]!.reply.text);
  });

  it.each(LANGS)('without an end date, points to an appeal instead (%s)', (lang) => {
    const turn = spamBotTurn(IDLE, BUTTONS[lang].release, sit(FOREVER, lang));
    expect(turn.reply.text).toMatch(lang === 'en' ? /not possible.*appeal/s : /нельзя.*апелляцию/s);
    expect(turn.reply.text).not.toMatch(DATE);
    expect(turn.effect).toBeUndefined();
  });

  it.each(LANGS)('is refused even in the middle of an appeal (%s), leaving it', (lang) => {
    const turn = spamBotTurn({ step: 'confirm', flow: 'mistake' }, BUTTONS[lang].release, sit(LIMITED, lang));
    expect(turn.reply.text).toMatch(lang === 'en' ? /not possible/ : /нельзя/);
    expect(turn.session).toEqual(IDLE);
    expect(turn.effect).toBeUndefined();
  });

  it.each(LANGS)('a free account has nothing to be released from (%s)', (lang) => {
    const turn = spamBotTurn(IDLE, BUTTONS[lang].release, sit(FREE, lang));
    expect(turn.reply.text).toMatch(lang === 'en' ? /no limits/ : /никаких ограничений/);
    expect(turn.effect).toBeUndefined();
  });
});

describe('"This is a mistake"', () => {
  describe.each(LANGS)('in %s', (lang) => {
    const b = BUTTONS[lang];

    it('asks to confirm that no unsolicited ads, promotions or shocking material were sent', () => {
      const turn = spamBotTurn(IDLE, b.mistake, sit(LIMITED, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /advertising, promotions or shocking material/ : /рекламу, акции или шокирующие материалы/);
      expect(turn.reply.buttons).toEqual([[b.didNot], [b.did]]);
      expect(turn.session).toEqual({ step: 'confirm', flow: 'mistake' });
      expect(turn.effect).toBeUndefined();
    });

    it('"In fact, I did" ends kindly, files nothing, and says when the limit ends', () => {
      const turn = last(sit(LIMITED, lang), [b.mistake, b.did]);
      expect(turn.reply.text).toMatch(lang === 'en' ? /Thank you for being honest/ : /Спасибо за честность/);
      expect(turn.reply.text).toContain(SHOWN.until[lang]);
      expect(turn.effect).toBeUndefined();
      expect(turn.session).toEqual(IDLE);
      expect(flat(turn.reply.buttons).length).toBeGreaterThanOrEqual(1);
    });

    it('"I did not…" → describe → the appeal is filed with the text', () => {
      const [confirm, describeStep, filed] = talk(sit(LIMITED, lang), [b.mistake, b.didNot, '  I only wrote to my own customers who asked for a quote.  ']);
      expect(confirm!.session.step).toBe('confirm');
      expect(describeStep!.reply.text).toMatch(lang === 'en' ? /describe your case/ : /Опишите ваш случай/);
      expect(describeStep!.reply.buttons).toEqual([[b.cancel]]);
      expect(describeStep!.session).toEqual({ step: 'describe', flow: 'mistake' });
      expect(describeStep!.effect).toBeUndefined();
      expect(filed!.effect).toEqual({ type: 'file_appeal', text: 'I only wrote to my own customers who asked for a quote.', email: null, story: false });
      expect(filed!.reply.text).toMatch(lang === 'en' ? /appeal is filed/ : /Апелляция подана/);
      expect(filed!.reply.text).toContain(SHOWN.due[lang]);
      expect(filed!.session).toEqual(IDLE);
      expect(flat(filed!.reply.buttons).length).toBeGreaterThanOrEqual(1);
    });

    it('a robot-made limit and a limit without end are appealed the same way', () => {
      for (const r of [ROBOT, FOREVER, PG_BAN]) {
        const turn = last(sit(r, lang), [b.mistake, b.didNot, 'it was not me']);
        expect(turn.effect).toEqual({ type: 'file_appeal', text: 'it was not me', email: null, story: false });
      }
    });

    it('free text while a button is expected gets a hint with the same buttons, every time', () => {
      const turns = talk(sit(LIMITED, lang), [b.mistake, 'what?', 'I said I am innocent']);
      for (const turn of turns.slice(1)) {
        expect(turn.reply.text).toMatch(lang === 'en' ? /one of the buttons/ : /одной из кнопок/);
        expect(turn.reply.buttons).toEqual([[b.didNot], [b.did]]);
        expect(turn.session).toEqual({ step: 'confirm', flow: 'mistake' });
        expect(turn.effect).toBeUndefined();
      }
      // The buttons still work afterwards.
      expect(filing(last(sit(LIMITED, lang), [b.mistake, 'what?', b.didNot, 'my case']))?.text).toBe('my case');
    });

    it('"What counts as spam?" at the confirm step explains and keeps the question open', () => {
      const turn = last(sit(LIMITED, lang), [b.mistake, b.spam]);
      expect(turn.reply.text).toMatch(lang === 'en' ? /advertising/ : /реклама/);
      expect(turn.reply.buttons).toEqual([[b.didNot], [b.did]]);
      expect(turn.session.step).toBe('confirm');
    });

    it('a button pressed again is not taken as the description', () => {
      const again = last(sit(LIMITED, lang), [b.mistake, b.didNot, b.didNot]);
      expect(again.effect).toBeUndefined();
      expect(again.session).toEqual({ step: 'describe', flow: 'mistake' });
      expect(again.reply.text).toMatch(lang === 'en' ? /describe your case/ : /Опишите ваш случай/);
      const changedMind = last(sit(LIMITED, lang), [b.mistake, b.didNot, b.did]);
      expect(changedMind.effect).toBeUndefined();
      expect(changedMind.session).toEqual(IDLE);
      expect(changedMind.reply.text).toMatch(lang === 'en' ? /honest/ : /честность/);
    });

    it('a menu button while describing leaves the appeal', () => {
      const turn = last(sit(LIMITED, lang), [b.mistake, b.didNot, b.spam]);
      expect(turn.effect).toBeUndefined();
      expect(turn.session).toEqual(IDLE);
      expect(turn.reply.text).toMatch(lang === 'en' ? /advertising/ : /реклама/);
    });

    it('Cancel at every step files nothing', () => {
      for (const path of [[b.mistake], [b.mistake, b.didNot]]) {
        const turn = last(sit(LIMITED, lang), [...path, b.cancel]);
        expect(turn.reply.text).toMatch(lang === 'en' ? /Cancelled/ : /Отменено/);
        expect(turn.session).toEqual(IDLE);
        expect(turn.effect).toBeUndefined();
        expect(turn.reply.buttons).toEqual([[b.mistake], [b.release], [b.spam]]);
      }
      const frozen = last(sit(FROZEN, lang), [b.mistake, b.didNot, 'story', b.cancel]);
      expect(frozen.effect).toBeUndefined();
      expect(frozen.session).toEqual(IDLE);
      // After a cancel, the next text is not a description any more.
      const after = last(sit(LIMITED, lang), [b.mistake, b.didNot, b.cancel, 'my long story']);
      expect(after.effect).toBeUndefined();
      expect(after.reply.text).toBe(statusText(sit(LIMITED, lang)));
    });

    it('/start returns to the status from every step, and the flow is forgotten', () => {
      for (const path of [[b.mistake], [b.mistake, b.didNot]]) {
        const turns = talk(sit(LIMITED, lang), [...path, '/start', 'some text']);
        expect(turns.at(-2)!.reply.text).toBe(statusText(sit(LIMITED, lang)));
        expect(turns.at(-2)!.session).toEqual(IDLE);
        expect(turns.at(-1)!.effect).toBeUndefined();
      }
      const email = talk(sit(FROZEN, lang), [b.mistake, b.didNot, 'my case', '/start', 'me@example.com']);
      expect(email.at(-2)!.reply.text).toBe(statusText(sit(FROZEN, lang)));
      expect(email.at(-1)!.effect).toBeUndefined();
    });

    it('a free account has nothing to appeal', () => {
      const turn = spamBotTurn(IDLE, b.mistake, sit(FREE, lang));
      expect(turn.reply.text).toMatch(lang === 'en' ? /nothing to appeal/ : /Обжаловать нечего/);
      expect(turn.effect).toBeUndefined();
      expect(turn.session).toEqual(IDLE);
    });

    it('a limit that ended while describing files nothing and shows the status', () => {
      const turn = spamBotTurn({ step: 'describe', flow: 'mistake' }, 'my case', sit(FREE, lang));
      expect(turn.effect).toBeUndefined();
      expect(turn.reply.text).toBe(statusText(sit(FREE, lang)));
    });
  });
});

describe('a frozen account appeals with an e-mail address', () => {
  describe.each(LANGS)('in %s', (lang) => {
    const b = BUTTONS[lang];

    const story = 'My shop account was hacked last week.';
    const toCode = [b.mistake, b.didNot, story, ' Anna.K@Example.com '];
    const awaiting: BotSession = { step: 'email_code', flow: 'mistake', text: story, email: 'anna.k@example.com' };

    it('asks for an e-mail after the description, re-asks for an invalid one, then mails a code to it', () => {
      const turns = talk(sit(FROZEN, lang), [b.mistake, b.didNot, story, 'not an email', 'me@localhost', 'two@words here.com', ' Anna.K@Example.com ']);
      const [confirm, describeStep, askEmail, bad1, bad2, bad3, mailed] = turns;
      expect(confirm!.session.step).toBe('confirm');
      expect(describeStep!.session.step).toBe('describe');
      expect(askEmail!.reply.text).toMatch(lang === 'en' ? /e-mail address/ : /адрес электронной почты/);
      expect(askEmail!.reply.buttons).toEqual([[b.cancel]]);
      expect(askEmail!.effect).toBeUndefined();
      expect(askEmail!.session).toEqual({ step: 'email', flow: 'mistake', text: story });
      for (const bad of [bad1, bad2, bad3]) {
        expect(bad!.reply.text).toMatch(lang === 'en' ? /does not look like an e-mail/ : /не похоже на адрес/);
        expect(bad!.reply.buttons).toEqual([[b.cancel]]);
        expect(bad!.effect).toBeUndefined();
        expect(bad!.session.step).toBe('email');
      }
      // Nothing is filed yet: the address must be proved first.
      expect(mailed!.effect).toEqual({ type: 'send_email_code', address: 'anna.k@example.com' });
      expect(mailed!.session).toEqual(awaiting);
      expect(mailed!.reply.text).toContain('anna.k@example.com');
      expect(mailed!.reply.text).toMatch(lang === 'en' ? /mailed a code/ : /отправил код/);
      expect(mailed!.reply.buttons).toEqual([[b.cancel]]);
      expectLanguage(mailed!.reply.text, lang);
      expect(afterEmailSent(mailed!, true, sit(FROZEN, lang))).toEqual({ reply: mailed!.reply, session: awaiting });
    });

    it('the right code files the appeal with the verified address', () => {
      const s = sit(FROZEN, lang);
      const check = spamBotTurn(awaiting, ' 042 917 ', s);
      expect(check.effect).toEqual({ type: 'check_email_code', address: 'anna.k@example.com', code: '042917' });
      const filed = afterCodeCheck(check, 'ok', s);
      expect(filed.effect).toEqual({ type: 'file_appeal', text: story, email: 'anna.k@example.com', story: false });
      expect(filed.reply.text).toContain(SHOWN.due[lang]);
      expect(filed.session).toEqual(IDLE);
    });

    it('a wrong code is asked for again; an expired or used-up one sends the person back to the address', () => {
      const s = sit(FROZEN, lang);
      const check = spamBotTurn(awaiting, '111111', s);
      const wrong = afterCodeCheck(check, 'wrong', s);
      expect(wrong.effect).toBeUndefined();
      expect(wrong.session).toEqual(awaiting);
      expect(wrong.reply.text).toMatch(lang === 'en' ? /not right/ : /Код неверный/);
      expectLanguage(wrong.reply.text, lang);
      for (const outcome of ['expired', 'exhausted', 'none'] as const) {
        const gone = afterCodeCheck(check, outcome, s);
        expect(gone.effect).toBeUndefined();
        expect(gone.session).toEqual({ step: 'email', flow: 'mistake', text: story });
        expect(gone.reply.text).toMatch(lang === 'en' ? /no longer valid/ : /больше не действует/);
        expectLanguage(gone.reply.text, lang);
      }
    });

    it('while a code is awaited: other text is a hint, another address gets a code instead, buttons leave', () => {
      const s = sit(FROZEN, lang);
      for (const text of ['hello?', '12345', '1234567', 'abcdef']) {
        const hint = spamBotTurn(awaiting, text, s);
        expect(hint.effect).toBeUndefined();
        expect(hint.session).toEqual(awaiting);
        expect(hint.reply.text).toContain('anna.k@example.com');
        expectLanguage(hint.reply.text, lang);
      }
      const other = spamBotTurn(awaiting, 'Other@Example.org', s);
      expect(other.effect).toEqual({ type: 'send_email_code', address: 'other@example.org' });
      expect(other.session).toEqual({ ...awaiting, email: 'other@example.org' });
      expect(spamBotTurn(awaiting, b.cancel, s).session).toEqual(IDLE);
      expect(spamBotTurn(awaiting, '/start', s).reply.text).toBe(statusText(s));
    });

    it('a code that could not be mailed asks for the address again', () => {
      const s = sit(FROZEN, lang);
      const mailed = last(s, toCode);
      const failed = afterEmailSent(mailed, false, s);
      expect(failed.effect).toBeUndefined();
      expect(failed.session).toEqual({ step: 'email', flow: 'mistake', text: story });
      expect(failed.reply.text).toMatch(lang === 'en' ? /could not send mail/ : /не получилось отправить/);
      expectLanguage(failed.reply.text, lang);
    });

    it('an address the account already verified files at once', () => {
      const s = sit(FROZEN, lang, { mail: { available: true, verified: ['anna.k@example.com'] } });
      const filed = last(s, toCode);
      expect(filed.effect).toEqual({ type: 'file_appeal', text: story, email: ' Anna.K@Example.com '.trim(), story: false });
    });

    it('without mail (no relay) the address is still asked for, and kept unverified as the contact: no code is mailed', () => {
      for (const mail of [undefined, { available: false, verified: [] }]) {
        const s: BotSituation = { ...sit(FROZEN, lang), mail };
        const asked = last(s, [b.mistake, b.didNot, story]);
        expect(asked.effect).toBeUndefined();
        expect(asked.session).toEqual({ step: 'email', flow: 'mistake', text: story });
        expect(asked.reply.text).toMatch(lang === 'en' ? /e-mail address/ : /адрес электронной почты/);
        const bad = last(s, [b.mistake, b.didNot, story, 'not an email']);
        expect(bad.effect).toBeUndefined();
        expect(bad.session.step).toBe('email');
        const filed = last(s, [b.mistake, b.didNot, story, ' Anna.K@Example.com ']);
        expect(filed.effect).toEqual({ type: 'file_appeal', text: story, email: 'anna.k@example.com', story: false });
      }
    });

    it('"In fact, I did" keeps the account frozen, kindly', () => {
      const turn = last(sit(FROZEN, lang), [b.mistake, b.did]);
      expect(turn.effect).toBeUndefined();
      expect(turn.reply.text).toMatch(lang === 'en' ? /honest.*stays frozen/s : /честность.*замороженным/s);
    });

    it('a limited (not frozen) account is never asked for an e-mail', () => {
      for (const r of [LIMITED, ROBOT, FOREVER, NUMBER, PG_BAN]) {
        const s = sit(r, lang);
        const first = spamBotTurn(IDLE, b.mistake, s);
        const path = first.session.step === 'confirm' ? [b.mistake, b.didNot, 'text'] : [b.mistake, 'text'];
        const turn = last(s, path);
        expect(filing(turn)!.email).toBeNull();
      }
    });
  });
});

describe('a number-limited account tells its story', () => {
  describe.each(LANGS)('in %s', (lang) => {
    const b = BUTTONS[lang];

    it('"Tell my story" → the story → a complaint filed with story: true', () => {
      const [ask, filed] = talk(sit(NUMBER, lang), [b.story, 'I bought this SIM last month; I have never sent anything.']);
      expect(ask!.reply.text).toMatch(lang === 'en' ? /tell your story/ : /Расскажите свою историю/);
      expect(ask!.reply.buttons).toEqual([[b.cancel]]);
      expect(ask!.session).toEqual({ step: 'describe', flow: 'story' });
      expect(filed!.effect).toEqual({ type: 'file_appeal', text: 'I bought this SIM last month; I have never sent anything.', email: null, story: true });
      expect(filed!.reply.text).toContain(SHOWN.due[lang]);
    });

    it('"This is a mistake" leads to the story as well', () => {
      const turn = last(sit(NUMBER, lang), [b.mistake, 'new number']);
      expect(turn.effect).toEqual({ type: 'file_appeal', text: 'new number', email: null, story: true });
    });

    it('an account limited for spam does not skip the confirm step by typing "Tell my story"', () => {
      const turn = spamBotTurn(IDLE, b.story, sit(LIMITED, lang));
      expect(turn.session).toEqual({ step: 'confirm', flow: 'mistake' });
      expect(turn.effect).toBeUndefined();
    });
  });
});

describe('one open appeal; the next only 7 days after a denial', () => {
  describe.each(LANGS)('in %s', (lang) => {
    const b = BUTTONS[lang];
    const open = { createdAt: NOW - 2 * HOUR, dueAt: NOW - 2 * HOUR + APPEAL_DUE_MS };

    it('a second attempt is told one is already under review', () => {
      for (const [r, button] of [
        [LIMITED, b.mistake],
        [FROZEN, b.mistake],
        [NUMBER, b.story],
        [PG_BAN, b.mistake],
      ] as const) {
        const turn = spamBotTurn(IDLE, button, sit(r, lang, { openAppeal: open }));
        expect(turn.reply.text).toMatch(lang === 'en' ? /already have an appeal under review/ : /уже есть апелляция на рассмотрении/);
        expect(turn.reply.text).toContain(lang === 'en' ? '24 Nov 2026, 07:16 UTC' : '24 ноября 2026, 07:16 UTC');
        expect(turn.effect).toBeUndefined();
        expect(turn.session).toEqual(IDLE);
      }
    });

    it('nothing is filed when an appeal was opened while describing', () => {
      const turn = spamBotTurn({ step: 'describe', flow: 'mistake' }, 'my case', sit(LIMITED, lang, { openAppeal: open }));
      expect(turn.effect).toBeUndefined();
      expect(turn.reply.text).toMatch(lang === 'en' ? /already/ : /уже/);
    });

    it('after a denied appeal: refused with the date until nextAppealAt, allowed from then on', () => {
      const next = NOW + 5 * DAY;
      const refused = spamBotTurn(IDLE, b.mistake, sit(LIMITED, lang, { nextAppealAt: next }));
      expect(refused.reply.text).toContain(lang === 'en' ? '29 Nov 2026, 09:16 UTC' : '29 ноября 2026, 09:16 UTC');
      expect(refused.reply.text).toMatch(lang === 'en' ? /appeal again after/ : /Подать новую можно после/);
      expect(refused.effect).toBeUndefined();
      expect(refused.session).toEqual(IDLE);
      expect(spamBotTurn(IDLE, b.story, sit(NUMBER, lang, { nextAppealAt: next })).session).toEqual(IDLE);
      // At and after that moment, a new appeal may start.
      expect(spamBotTurn(IDLE, b.mistake, sit(LIMITED, lang, { nextAppealAt: NOW })).session.step).toBe('confirm');
      expect(spamBotTurn(IDLE, b.mistake, sit(LIMITED, lang, { nextAppealAt: null })).session.step).toBe('confirm');
    });
  });
});

describe('buttons are recognised in either language', () => {
  it('an English-speaking account pressing Russian buttons is answered in English, and vice versa', () => {
    const en = talk(sit(LIMITED, 'en'), [BUTTONS.ru.mistake, BUTTONS.ru.didNot, 'my case']);
    expect(en[0]!.session.step).toBe('confirm');
    expect(en[0]!.reply.buttons).toEqual([[BUTTONS.en.didNot], [BUTTONS.en.did]]);
    expect(en[2]!.effect).toEqual({ type: 'file_appeal', text: 'my case', email: null, story: false });
    for (const t of en) expectLanguage(t.reply.text, 'en');

    const ru = talk(sit(NUMBER, 'ru'), [BUTTONS.en.story, 'моя история']);
    expect(ru[1]!.effect).toEqual({ type: 'file_appeal', text: 'моя история', email: null, story: true });
    for (const t of ru) expectLanguage(t.reply.text, 'ru');

    expect(spamBotTurn(IDLE, BUTTONS.en.release, sit(LIMITED, 'ru')).reply.text).toBe(spamBotTurn(IDLE, BUTTONS.ru.release, sit(LIMITED, 'ru')).reply.text);
    expect(spamBotTurn(IDLE, BUTTONS.ru.spam, sit(FREE, 'en')).reply.text).toBe(spamBotTurn(IDLE, BUTTONS.en.spam, sit(FREE, 'en')).reply.text);
    expect(spamBotTurn({ step: 'describe', flow: 'mistake' }, BUTTONS.ru.cancel, sit(LIMITED, 'en')).reply.text).toMatch(/Cancelled/);
  });
});

describe('the outcome of an appeal', () => {
  it.each(LANGS)('overturned or upheld, with the date of the next possible appeal (%s)', (lang) => {
    const overturned = appealOutcomeText('overturn', NOW + 7 * DAY, sit(FREE, lang));
    expect(overturned).toMatch(lang === 'en' ? /lifted/ : /сняла ограничение/);
    expect(overturned).not.toMatch(DATE);
    const upheld = appealOutcomeText('uphold', NOW + 7 * DAY, sit(LIMITED, lang));
    expect(upheld).toMatch(lang === 'en' ? /restriction stays/ : /ограничение остаётся/);
    expect(upheld).toContain(lang === 'en' ? '1 Dec 2026, 09:16 UTC' : '1 декабря 2026, 09:16 UTC');
    expectLanguage(overturned, lang);
    expectLanguage(upheld, lang);
  });

  it.each(LANGS)('says what still applies: another restriction after an overturn, none after an upheld one that ended (%s)', (lang) => {
    // An overturn lifts only the restriction appealed against; a robot's limit may remain.
    const other = appealOutcomeText('overturn', NOW + 7 * DAY, sit(ROBOT, lang));
    expect(other).not.toBe(appealOutcomeText('overturn', NOW + 7 * DAY, sit(FREE, lang)));
    expect(other).toContain(statusText(sit(ROBOT, lang)));
    expect(other).toContain(SHOWN.until[lang]);
    expect(other).toMatch(lang === 'en' ? /still applies/ : /остаётся другое ограничение/);
    // An appeal stays open after its limit ended: upheld then, the account is free and is told so.
    const ended = appealOutcomeText('uphold', NOW + 7 * DAY, sit(FREE, lang));
    expect(ended).not.toMatch(lang === 'en' ? /restriction stays/ : /ограничение остаётся\./);
    expect(ended).toMatch(lang === 'en' ? /already ended/ : /уже закончилось/);
    expect(ended).not.toMatch(DATE);
    // Upheld while a limit applies (the appealed one, or another begun since): the status says which, until when.
    const upheldOther = appealOutcomeText('uphold', NOW + 7 * DAY, sit(ROBOT, lang));
    expect(upheldOther).toContain(statusText(sit(ROBOT, lang)));
    expect(upheldOther).toContain(SHOWN.until[lang]);
    // Frozen, banned or kept from public groups: the restriction stays.
    for (const r of [FROZEN, PG_BAN, { state: 'banned', kind: 'scam', publicGroupsBan: false } as BotRestriction]) {
      expect(appealOutcomeText('uphold', NOW + 7 * DAY, sit(r, lang))).toMatch(lang === 'en' ? /restriction stays/ : /ограничение остаётся/);
    }
    for (const t of [other, ended]) expectLanguage(t, lang);
  });
});

describe('transcripts', () => {
  const scripts = (b: Record<string, string>): string[][] => [
    ['/start', b.spam!, b.release!, b.release!, b.release!, b.mistake!, 'huh?', b.spam!, b.did!],
    ['hello', b.mistake!, b.didNot!, 'I wrote to people who asked me to.', 'name@example.com', b.status!],
    [b.story!, 'I got this number yesterday.', b.cancel!, '/start'],
    [b.mistake!, b.didNot!, b.didNot!, 'text', 'bad email', 'ok@example.org'],
    [b.mistake!, b.cancel!, b.mistake!, '/start', b.mistake!, b.didNot!, b.spam!],
  ];
  const situations = (lang: Lang): BotSituation[] => [
    ...ALL.map(([, r]) => sit(r, lang)),
    ...ALL.map(([, r]) => sit(r, lang, { openAppeal: { createdAt: NOW - DAY, dueAt: NOW + DAY } })),
    ...ALL.map(([, r]) => sit(r, lang, { nextAppealAt: NOW + 6 * DAY })),
  ];

  it.each(LANGS)('every reply is non-empty, in the right language, with recognised buttons (%s)', (lang) => {
    let replies = 0;
    for (const s of situations(lang)) {
      for (const inputs of [...scripts(BUTTONS.en), ...scripts(BUTTONS.ru)]) {
        for (const turn of talk(s, inputs)) {
          replies++;
          expectLanguage(turn.reply.text, lang);
          expect(flat(turn.reply.buttons).length).toBeGreaterThanOrEqual(1);
          for (const label of flat(turn.reply.buttons)) {
            expect(buttonOf(label)).not.toBeNull();
            expect(Object.values(BUTTONS[lang])).toContain(label);
          }
          expect(turn.reply.text).not.toMatch(/undefined|null|NaN|\[object/);
          if (turn.effect?.type === 'file_appeal') {
            expect(turn.effect.text.length).toBeGreaterThan(0);
            expect(turn.session).toEqual(IDLE);
          } else if (turn.effect) {
            // A frozen account's address: a code is mailed to it and awaited.
            expect(turn.effect.type).toBe('send_email_code');
            expect(turn.session.step).toBe('email_code');
          }
        }
      }
    }
    expect(replies).toBeGreaterThan(500);
  });
});
