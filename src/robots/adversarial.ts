import { addBrigades, addGroupBrigades, BRIGADE_CLASSES, GROUP_BRIGADE_CLASSES } from './adversarial-brigades.js';
import { addBusyInnocents, BUSY_CLASSES } from './adversarial-busy.js';
import { addSpammers, SPAMMER_CLASSES } from './adversarial-spammers.js';
import { type AdversarialOptions, addFriends, createWorld } from './adversarial-world.js';
import type { TraceLine } from './trace.js';

/**
 * An adversarial trace (`banya trace --profile adversarial`): spammers who read the thresholds,
 * busy people who write to many strangers for good reasons, and brigades — each account with a
 * `class` for scoring, and recipients who react as people do (reply, save the sender, block,
 * report) at rates that can be scaled. The same options always give the same trace.
 *
 * Classes (label in brackets):
 * - careful spammers [spammer]: `fast` (the classic burst, as a yardstick), `slow` (1–4 cold
 *   messages an hour for days), `warmed` (weeks old, normal life, then spam at a moderate pace),
 *   `varied` (spintax, zero-width characters, look-alike letters, rotating templates), `opener`
 *   (a short opener, then the pitch in the same chat), `links` (new TLDs, shorteners, "dot"
 *   spellings, @handles), `reply-bait` (an innocent question, the pitch only to those who answered),
 *   `ring` (6–20 accounts, a few messages each, one template and one landing domain),
 *   `phone-list` (a bought list imported as contacts, then messaged), `group-spam` (add people to a
 *   group, post, then write to them), `hijacked` (an ordinary account taken over: the label
 *   changes, and it writes to its own contacts);
 * - busy innocents [innocent, `shop` business]: `organiser` (30–90 strangers a day, who mostly
 *   answer), `new-employee` (a new account writing 30–60 colleagues a day), `shop` (writes first to
 *   its web customers, whose numbers it saved), `phonebook` (a new account greeting its imported
 *   phone book), `community-admin` (adds more than 30 people an hour to a group, who accept),
 *   `parent` (the school event link to 30 parents), `flat-hunter` (one enquiry to 15 landlords a
 *   day); everybody else is `friend` (circles of friends);
 * - brigades [brigader]: `brigade-fresh-report`, `brigade-fresh-block` (report and block),
 *   `brigade-aged-report`, `brigade-aged-block` (accounts days old): part of each brigade first
 *   asks the target something and gets an answer, the rest report someone who never wrote to them;
 *   `brigade-group-fresh`, `brigade-group-aged-block` join a public group after their target (its
 *   owner, or a member who joined before them) and report its post there.
 * People also decide: some spammers' cases are confirmed a day or two in, some busy innocents'
 * cases dismissed, and a busy innocent who is restricted on a given day may have an appeal
 * overturned.
 *
 * This file sizes the trace and puts it in order; adversarial-world.ts holds the world and the
 * recipients' reactions, adversarial-spammers.ts, adversarial-busy.ts and adversarial-brigades.ts
 * the classes, adversarial-texts.ts what spammers write.
 */

export { BRIGADE_CLASSES, BUSY_CLASSES, GROUP_BRIGADE_CLASSES, SPAMMER_CLASSES };
export { type AdversarialOptions, reactionDelay } from './adversarial-world.js';

export function* generateAdversarialTrace(o: AdversarialOptions): Generator<TraceLine> {
  const w = createWorld(o);
  const { int, events } = w;
  const n = Math.max(300, o.accounts);

  // Sizes: 4% spammers, 3% busy innocents, a few brigades, the rest friends.
  const perSpamClass = Math.max(3, Math.round((n * 0.04 * (o.spamShare ?? 1)) / SPAMMER_CLASSES.length));
  const perBusyClass = Math.max(3, Math.round((n * 0.03 * (o.busyShare ?? 1)) / BUSY_CLASSES.length));
  const brigadeCount = Math.max(BRIGADE_CLASSES.length, Math.round(n / 1500));
  const brigadeSizes = Array.from({ length: brigadeCount }, () => int(8, 20));
  const reserved =
    perSpamClass * (SPAMMER_CLASSES.length - 1) + Math.max(6, perSpamClass) * 2 + perBusyClass * BUSY_CLASSES.length + brigadeSizes.reduce((a, b) => a + b, 0);
  const friendCount = Math.max(200, n - reserved);

  addFriends(w, friendCount);
  addSpammers(w, perSpamClass);
  addBusyInnocents(w, perBusyClass);
  addBrigades(w, brigadeSizes);
  addGroupBrigades(w, Math.max(GROUP_BRIGADE_CLASSES.length * 2, Math.round(n / 2000)));

  // Accounts first at equal times, then contacts and groups, then the rest (stable).
  const order = (e: TraceLine) => (e.type === 'account' ? 0 : e.type === 'contact' ? 1 : e.type === 'group' ? 2 : 3);
  for (const e of events) {
    e.t = Math.round(e.t * 1000) / 1000;
  }
  const idx = new Uint32Array(events.length).map((_, i) => i);
  idx.sort((x, y) => events[x]!.t - events[y]!.t || order(events[x]!) - order(events[y]!) || x - y);
  for (const i of idx) yield events[i]!;
}
