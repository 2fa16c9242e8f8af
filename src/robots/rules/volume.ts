import { rule, sig, volumeEffect } from '../rule.js';

/**
 * Volume rules: how much an account sends to people who do not know it, counted against
 * thresholds that are low for a young account and grow with trust. cold_fanout (new chats with
 * strangers in an hour or a day), same_text (a run of near-duplicate texts), links_to_strangers
 * (links and handles a young account sends), mass_invites (strangers added to groups) and
 * industrial_scale (the freeze for writing to strangers by the thousand).
 */

/** A volume rule's `volumeEffect` settings: a limit on volume alone only three times past the threshold while nobody answered, else after complaints. */
const VOLUME_DEFAULTS = { harmComplaints: 0.9, harmRatio: 0.03, hardFactor: 3, welcomeAnswers: 0.9, reviewPriority: 3 };

export const coldFanout = rule({
  name: 'cold_fanout',
  description:
    'Starts chats with (or adds to groups) many strangers in an hour or a day: a backstop for bursts. Young accounts (under `youngHours`) whose texts carry links have the low thresholds; the thresholds grow with trust (strangers answering and saving it, chats with people who know it). Past a threshold a person is asked to look (the case raised by `reviewPriority`); the limit comes once the strangers reached complain (`harmComplaints`, a smoothed rate of `harmRatio`, fewer answers), or at `hardFactor` times the threshold while nobody answered (`welcomeAnswers`).',
  on: ['message'],
  defaults: {
    hourly: 40,
    daily: 150,
    youngHourly: 8,
    youngDaily: 15,
    youngPlainHourly: 30,
    youngPlainDaily: 80,
    youngHours: 24,
    limitHours: 24,
    ...VOLUME_DEFAULTS,
  },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, young, trust }) {
    if (ev.type !== 'message' || !ev.stranger || !ev.newChat) return null;
    const y = young(ev.from, s.youngHours);
    const hour = c.hour(ev.from, 'coldChats', at);
    const day = c.day(ev.from, 'coldChats', at);
    const linky = y && e.landing.value(ev.from, at) * 2 >= e.contacts.value(ev.from, at);
    const f = trust(ev.from);
    const h = (y ? (linky ? s.youngHourly : s.youngPlainHourly) : s.hourly) * f;
    const d = (y ? (linky ? s.youngDaily : s.youngPlainDaily) : s.daily) * f;
    if (hour <= h && day <= d) return null;
    const byHour = hour / h >= day / d;
    const [volume, need] = byHour ? [hour, h] : [day, d];
    return volumeEffect(e, ev.from, at, s, volume, need, [
      sig(byHour ? 'cold_chats_hour' : 'cold_chats_day', volume, need, y ? (linky ? 'young, links' : 'young') : undefined),
      sig('trust', f, 1),
    ]);
  },
});

export const sameText = rule({
  name: 'same_text',
  description:
    'Sends nearly the same text (MinHash bands over the unmasked skeleton, or the same hash) to many strangers in a row: the run fades by half every `halfLifeHours`, so that it does not outlive a limit. The run needed grows as the account ages (`youth` curve) and with trust; texts with a link need fewer. Past a threshold a person is asked to look (the case raised by `reviewPriority`); the limit comes once the strangers reached complain (`harmComplaints`, a smoothed rate of `harmRatio`, fewer answers), or at `hardFactor` times the threshold while nobody answered (`welcomeAnswers`).',
  on: ['message'],
  defaults: { strangers: 25, linkStrangers: 6, halfLifeHours: 6, limitHours: 24, minYouth: 0.05, ...VOLUME_DEFAULTS },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, youth, trust }) {
    if (ev.type !== 'message' || !ev.stranger || ev.textHash === 0) return null;
    const y = youth(ev.from);
    if (y < s.minYouth) return null;
    const need = ((ev.link ? s.linkStrangers : s.strangers) * trust(ev.from)) / y;
    const run = c.runValue(ev.from, at, s.halfLifeHours * 3600_000);
    if (run + 0.5 < need) return null;
    return volumeEffect(e, ev.from, at, s, run + 0.5, need, [
      sig('same_text_run', run, need, ev.link ? 'with a link' : undefined),
      sig('youth', y, s.minYouth),
    ]);
  },
});

export const linksToStrangers = rule({
  name: 'links_to_strangers',
  description:
    'A young account sends links, handles or invite links (found by linkify-it, disguises taken off) to strangers in a day; an invite link counts `inviteWeight` times. The number needed is `youngDaily` for a new account and grows as it ages (`youth` curve; none past `minYouth`) and with trust. Past a threshold a person is asked to look (the case raised by `reviewPriority`); the limit comes once the strangers reached complain (`harmComplaints`, a smoothed rate of `harmRatio`, fewer answers), or at `hardFactor` times the threshold while nobody answered (`welcomeAnswers`).',
  on: ['message'],
  defaults: { youngDaily: 5, minYouth: 0.02, inviteWeight: 2, limitHours: 24, ...VOLUME_DEFAULTS, hardFactor: 2 },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, youth, trust }) {
    if (ev.type !== 'message' || !ev.stranger || !(ev.link || ev.inviteLink)) return null;
    const y = youth(ev.from);
    if (y < s.minYouth) return null;
    const n = c.day(ev.from, 'links', at);
    const need = (s.youngDaily * trust(ev.from)) / y;
    if (n + 0.5 < need) return null;
    return volumeEffect(e, ev.from, at, s, n + 0.5, need, [sig('links_to_strangers_day', n, need)]);
  },
});

export const massInvites = rule({
  name: 'mass_invites',
  description:
    'Adds many people who have not saved it to groups and channels, in an hour or a day; young accounts have the low thresholds, and the thresholds grow with trust (people it added save it, few decline or leave). Past a threshold a person is asked to look (the case raised by `reviewPriority`); the limit comes once the people added complain (declines and leaves weigh little: `harmComplaints`, a smoothed rate of `harmRatio`), or at `hardFactor` times the threshold while nobody answered (`welcomeAnswers`).',
  on: ['invite'],
  defaults: { hourly: 150, daily: 400, youngHourly: 30, youngDaily: 100, youngHours: 72, limitHours: 24, ...VOLUME_DEFAULTS, hardFactor: 5 },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, young, trust }) {
    if (ev.type !== 'invite' || !ev.stranger) return null;
    const y = young(ev.by, s.youngHours);
    const f = trust(ev.by);
    const h = (y ? s.youngHourly : s.hourly) * f;
    const d = (y ? s.youngDaily : s.daily) * f;
    const hour = c.hour(ev.by, 'invites', at);
    const day = c.day(ev.by, 'invites', at);
    if (hour <= h && day <= d) return null;
    const byHour = hour / h >= day / d;
    return volumeEffect(e, ev.by, at, s, byHour ? hour : day, byHour ? h : d, [sig('invites', byHour ? hour : day, byHour ? h : d, byHour ? 'hour' : 'day')]);
  },
});

export const industrialScale = rule({
  name: 'industrial_scale',
  description:
    "Writes to strangers at industrial scale — `daily` cold messages in a day, or `total` strangers reached within the decaying window (half-life 3 days: about a week's worth) — unless the strangers answer it (trust): frozen under the industrial_spam policy.",
  on: ['message'],
  defaults: { daily: 300, total: 1000 },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, trust }) {
    if (ev.type !== 'message' || !ev.stranger) return null;
    const day = c.day(ev.from, 'cold', at);
    const reached = e.contacts.value(ev.from, at);
    if (day < s.daily && reached < s.total) return null;
    const f = trust(ev.from);
    if (day < s.daily * f && reached < s.total * f) return null;
    return {
      action: 'freeze',
      signals: [day >= s.daily * f ? sig('cold_messages_day', day, s.daily * f) : sig('strangers_reached', reached, s.total * f), sig('trust', f, 1)],
    };
  },
});
