/**
 * A hand-made trace of 200 brand-new accounts greeting their new colleagues with one template
 * (only the name changes) on their first day: the case volume rules used to limit on count
 * alone. The colleagues answer 85%, save the account 35%, block 0.6% and report 0.2%.
 *
 *   node --import tsx bench/fresh-greeters.ts --shape slow|fast [--seed N] --out FILE
 *   node bin/banya.js replay FILE
 *
 * `slow`: 60–95 greetings 1–5 minutes apart, answers spread evenly over 20 hours;
 * `fast`: 35–45 greetings 30–100 seconds apart, answers log-normal around 30 minutes.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../src/domain/random.js';

const { values } = parseArgs({ options: { shape: { type: 'string', default: 'slow' }, seed: { type: 'string', default: '1' }, out: { type: 'string' } } });
if (!values.out || (values.shape !== 'slow' && values.shape !== 'fast')) {
  console.error('usage: fresh-greeters.ts --shape slow|fast [--seed N] --out FILE');
  process.exit(2);
}
const fast = values.shape === 'fast';
const rnd = mulberry32(Number(values.seed));
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const H = 3600;
const D = 86_400;
const lines: Record<string, unknown>[] = [];
let phones = 0;
const phone = () => `+4477009${String(++phones).padStart(5, '0')}`;
let people = 0;
const person = () => {
  const id = `p${people++}`;
  lines.push({ type: 'account', t: 0, id, phone: phone(), label: 'innocent', class: 'friend', ageDays: int(30, 2000) });
  return id;
};
// Answers: evenly over 20 h (slow), or log-normal with a median of 30 min, capped at 20 h (fast).
const answerDelay = () =>
  fast ? Math.min(20 * H, Math.floor(1800 * Math.exp(1.2 * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())))) : Math.floor(rnd() * 20 * H);
const complaintDelay = () => 60 + Math.floor(rnd() * 6 * H);
for (let i = 0; i < 200; i++) {
  const id = `e${i}`;
  const t0 = int(0, 10) * D + 9 * H;
  lines.push({ type: 'account', t: t0 - H, id, phone: phone(), label: 'innocent', class: 'fresh-greeter' });
  for (let k = 0; k < 5; k++) {
    const friend = person();
    lines.push({ type: 'contact', t: t0 - H + 1, from: id, to: friend }, { type: 'contact', t: t0 - H + 1, from: friend, to: id });
  }
  let t = t0;
  for (let k = 0, n = fast ? int(35, 45) : int(60, 95); k < n; k++) {
    t += fast ? int(30, 100) : int(60, 300);
    const v = person();
    lines.push({ type: 'message', t, from: id, to: v, text: `Hello ${v}! I'm new in sales. Could you add me to the rota?` });
    if (rnd() < 0.85) lines.push({ type: 'message', t: t + 60 + answerDelay(), from: v, to: id, text: 'Hi! Welcome' });
    if (rnd() < 0.35) lines.push({ type: 'contact', t: t + 600 + Math.floor(rnd() * 2 * D), from: v, to: id });
    if (rnd() < 0.002) lines.push({ type: 'report', t: t + complaintDelay(), from: v, to: id, reason: 'spam' });
    if (rnd() < 0.006) lines.push({ type: 'block', t: t + complaintDelay(), from: v, to: id });
  }
}
lines.sort((a, b) => (a.t as number) - (b.t as number) || (a.type === 'account' ? -1 : 0) - (b.type === 'account' ? -1 : 0));
fs.writeFileSync(values.out, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
console.error(`${lines.length} lines → ${values.out}`);
