import { DAY, HOUR, MIN, type World } from './adversarial-world.js';

/**
 * The brigades of an adversarial trace (label `brigader`): fresh or aged accounts that report (and
 * perhaps block) one innocent; part of each first asks the target something and gets an answer.
 */

export const BRIGADE_CLASSES = ['brigade-fresh-report', 'brigade-fresh-block', 'brigade-aged-report', 'brigade-aged-block'] as const;

/**
 * Brigades in a group: they join a public group by its link, after its target, and report the
 * target's posts there (the block variant blocks it too). The target owns the group (a club's
 * news) or is a member who had joined another's group before them and talks there.
 */
export const GROUP_BRIGADE_CLASSES = ['brigade-group-fresh', 'brigade-group-aged-block'] as const;

/** One brigade per entry of `sizes`, its members that many. */
export function addBrigades(w: World, sizes: readonly number[]): void {
  const { span, pick, int, chance, push, account, friends } = w;
  for (let b = 0; b < sizes.length; b++) {
    const cls = BRIGADE_CLASSES[b % BRIGADE_CLASSES.length]!;
    const aged = cls.startsWith('brigade-aged');
    const withBlock = cls.endsWith('block');
    const target = friends[(b * 131 + 7) % friends.length]!;
    const t0 = int(DAY, Math.max(DAY, span - DAY));
    for (let k = 0; k < sizes[b]!; k++) {
      const id = `x${b}_${k}`;
      const tk = t0 + k * int(MIN, 10 * MIN);
      account(id, 'brigader', cls, aged ? 0 : tk - int(10 * MIN, 3 * HOUR), aged ? int(3, 10) : undefined);
      let t = tk;
      if (chance(0.6)) {
        // Lure an answer first: then the report has something to show.
        push({
          type: 'message',
          t,
          from: id,
          to: target,
          text: pick(['Hi, are you selling the bike?', 'Hello, is this the plumber?', 'Hey, we met at the fair?']),
        });
        t += int(5 * MIN, 2 * HOUR);
        push({ type: 'message', t, from: target, to: id, text: pick(['No, sorry, wrong number', 'Hi! No, you must mean someone else', 'Yes?']) });
      }
      t += int(MIN, 30 * MIN);
      push({ type: 'report', t, from: id, to: target, reason: 'spam' });
      if (withBlock) push({ type: 'block', t: t + 1, from: id, to: target });
    }
    // Someone at support dismisses the case later.
    if (chance(0.5)) push({ type: 'decision', t: t0 + int(6 * HOUR, 2 * DAY), account: target, action: 'dismiss' });
  }
}

/**
 * `count` brigades in groups, drawn after everything else (the rest of the trace is the same
 * with or without them). Every member reports the target's post, so each report past the
 * group's threshold reaches the rules (RULES.md §3).
 */
export function addGroupBrigades(w: World, count: number): void {
  const { span, pick, int, push, account, friends } = w;
  for (let b = 0; b < count; b++) {
    const cls = GROUP_BRIGADE_CLASSES[b % GROUP_BRIGADE_CLASSES.length]!;
    const aged = cls.includes('aged');
    const withBlock = cls.endsWith('block');
    const g = `gx${b}`;
    const owner = friends[(b * 167 + 11) % friends.length]!;
    // Every other brigade goes after a member who had joined the owner's group, not the owner.
    const target = b % 4 < 2 ? owner : friends[(b * 173 + 29) % friends.length]!;
    const created = int(0, Math.max(0, span - 3 * DAY));
    push({ type: 'group', t: created, id: g, owner, public: true });
    if (target !== owner) push({ type: 'join', t: created + int(MIN, HOUR), group: g, account: target });
    const post = created + int(HOUR, DAY);
    push({
      type: 'post',
      t: post,
      group: g,
      from: target,
      text: pick(['Club news: the Saturday run starts at 9 from the park gate', 'Anyone up for chess on Thursday?', 'Photos from the fair are in the album']),
    });
    const t0 = post + int(HOUR, DAY);
    for (let k = 0, size = int(8, 20); k < size; k++) {
      const id = `y${b}_${k}`;
      const tk = t0 + k * int(MIN, 10 * MIN);
      account(id, 'brigader', cls, aged ? 0 : tk - int(10 * MIN, 3 * HOUR), aged ? int(3, 10) : undefined);
      push({ type: 'join', t: tk, group: g, account: id });
      const t = tk + int(MIN, 20 * MIN);
      push({ type: 'report', t, from: id, to: target, reason: 'spam', group: g });
      if (withBlock) push({ type: 'block', t: t + 1, from: id, to: target });
    }
  }
}
