import { DAY, HOUR, MIN, type World } from './adversarial-world.js';

/**
 * The brigades of an adversarial trace (label `brigader`): fresh or aged accounts that report (and
 * perhaps block) one innocent; part of each first asks the target something and gets an answer.
 */

export const BRIGADE_CLASSES = ['brigade-fresh-report', 'brigade-fresh-block', 'brigade-aged-report', 'brigade-aged-block'] as const;

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
