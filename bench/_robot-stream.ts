/**
 * A realistic stream of robot events for the benchmarks: `generateTrace` (src/robots/generate.ts)
 * converted to RobotEvents the way the platform publishes them (stranger = the recipient has not
 * saved the sender and never wrote to them; newChat = the pair's first message; text signals and
 * report weights computed once), then repeated with shifted ids and times until it has `events`.
 */
import { performance } from 'node:perf_hooks';
import { reportWeight } from '../src/domain/reporting.js';
import { textSignals, type RobotEvent } from '../src/robots/events.js';
import { generateTrace } from '../src/robots/generate.js';

const DAY = 86_400_000;

export interface RobotStream {
  stream: RobotEvent[];
  /** The generated trace's accounts and events, before repeating. */
  accounts: number;
  traceEvents: number;
  /** The event mix, for the benchmark's note. */
  mixText: string;
  builtMs: number;
}

/**
 * `allSignals`: messages carry every text signal (landing domains, near-duplicate bands), as the
 * platform publishes them; otherwise only the hash and the link flags (what the rules benchmark
 * has always measured).
 */
export function robotStream(traceAccounts: number, events: number, allSignals = false): RobotStream {
  const t0 = performance.now();
  function convert(): { events: RobotEvent[]; accounts: number; spanMs: number } {
    const ids = new Map<string, number>();
    const created: number[] = [0];
    const labels: (string | undefined)[] = [undefined];
    const contacts = new Map<number, Set<number>>();
    const wrote = new Set<number>();
    const chats = new Set<number>();
    const groups = new Map<string, number>();
    const out: RobotEvent[] = [];
    const pair = (a: number, b: number) => a * 0x200000 + b;
    const has = (o: number, x: number) => contacts.get(o)?.has(x) ?? false;
    const id = (name: string) => {
      const n = ids.get(name);
      if (n === undefined) throw new Error(`unknown id ${name}`);
      return n;
    };
    let last = 0;
    for (const e of generateTrace({ seed: 42, accounts: traceAccounts, days: 7 })) {
      const at = Math.round(e.t * 1000);
      last = Math.max(last, at);
      switch (e.type) {
        case 'account': {
          const n = created.length;
          ids.set(e.id, n);
          created.push(at);
          labels.push(e.label);
          out.push({ type: 'account', at: at || 1, account: n, voip: e.numberKind === 'voip' });
          break;
        }
        case 'contact': {
          const f = id(e.from);
          let s = contacts.get(f);
          if (!s) contacts.set(f, (s = new Set()));
          s.add(id(e.to));
          break;
        }
        case 'block': {
          const from = id(e.from);
          const to = id(e.to);
          out.push({ type: 'block', at, from, to, stranger: !has(from, to) });
          break;
        }
        case 'message': {
          const from = id(e.from);
          const to = id(e.to);
          const stranger = !has(to, from) && !wrote.has(pair(to, from));
          const key = pair(Math.min(from, to), Math.max(from, to));
          const newChat = !chats.has(key);
          chats.add(key);
          wrote.add(pair(from, to));
          const s = textSignals(e.text);
          out.push(
            allSignals
              ? { type: 'message', at, from, to, stranger, newChat, ...s }
              : { type: 'message', at, from, to, stranger, newChat, textHash: s.textHash, link: s.link, inviteLink: s.inviteLink },
          );
          break;
        }
        case 'group':
          groups.set(e.id, id(e.owner));
          break;
        case 'invite': {
          const by = id(e.by);
          const account = id(e.account);
          out.push({ type: 'invite', at, by, account, stranger: !has(account, by) });
          break;
        }
        case 'report': {
          const from = id(e.from);
          const to = id(e.to);
          const age = at - created[from]!;
          out.push({
            type: 'report',
            at,
            from,
            to,
            weight: reportWeight({ confirmed: 0, dismissed: 0, muted: false, accountAgeMs: age, groupAdmin: false }),
            fresh: age < DAY,
          });
          break;
        }
        case 'post':
          break;
      }
    }
    return { events: out, accounts: created.length - 1, spanMs: last + DAY };
  }
  const trace = convert();
  /** Repeats the trace with ids and times shifted, so every copy is a new population in a new week. */
  const stream: RobotEvent[] = [];
  for (let copy = 0; stream.length < events; copy++) {
    const dId = copy * trace.accounts;
    const dT = copy * trace.spanMs;
    for (const ev of trace.events) {
      if (stream.length === events) break;
      switch (ev.type) {
        case 'account':
          stream.push({ ...ev, at: ev.at + dT, account: ev.account + dId });
          break;
        case 'message':
          stream.push({ ...ev, at: ev.at + dT, from: ev.from + dId, to: ev.to + dId });
          break;
        case 'invite':
          stream.push({ ...ev, at: ev.at + dT, by: ev.by + dId, account: ev.account + dId });
          break;
        case 'report':
        case 'block':
          stream.push({ ...ev, at: ev.at + dT, from: ev.from + dId, to: ev.to + dId });
          break;
      }
    }
  }
  const mix = new Map<string, number>();
  let cold = 0;
  for (const ev of stream) {
    mix.set(ev.type, (mix.get(ev.type) ?? 0) + 1);
    if (ev.type === 'message' && ev.stranger) cold++;
  }
  const messages = mix.get('message') ?? 0;
  const mixText =
    [...mix].map(([k, n]) => `${k} ${((100 * n) / stream.length).toFixed(1)}%`).join(', ') + `; ${((100 * cold) / messages).toFixed(1)}% of messages cold`;
  return { stream, accounts: trace.accounts, traceEvents: trace.events.length, mixText, builtMs: performance.now() - t0 };
}
