import type { Protection } from './config.js';
import { mulberry32 } from '../domain/random.js';

/**
 * Sender protection: how many new chats with strangers a business number may start,
 * and when. Pure functions over the times of its first contacts (sent and scheduled), on the
 * injected clock. Windows are rolling (any 60 minutes, any 24 hours), which keeps every
 * calendar hour and day within the caps too.
 */

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export type Colour = 'green' | 'yellow' | 'red';

export interface Caps {
  perHour: number;
  perDay: number;
  minSpacingMs: number;
  maxSpacingMs: number;
}

/** (blocks + reports received) per stranger contacted; small samples count as 10 contacted. */
export function qualityColour(s: Protection, contacted: number, blocks: number, reports: number): { colour: Colour; ratio: number } {
  const ratio = (blocks + reports) / Math.max(10, contacted);
  return { colour: ratio >= s.redAt ? 'red' : ratio >= s.yellowAt ? 'yellow' : 'green', ratio };
}

const TIGHTEN: Record<Colour, number> = { green: 1, yellow: 0.5, red: 0.25 };

/** The caps at time `t` for a number connected at `connectedAt`, tightened by its colour. */
export function capsAt(s: Protection, connectedAt: number, t: number, colour: Colour): Caps {
  const day = Math.max(0, Math.floor((t - connectedAt) / DAY));
  let perDay = s.perDay;
  let perHour = s.perHour;
  if (day < s.warmupDaily.length) {
    perDay = Math.min(perDay, s.warmupDaily[day]!);
    perHour = Math.min(perHour, s.warmupHourly);
  }
  const f = TIGHTEN[colour];
  return {
    perDay: Math.floor(perDay * f),
    perHour: Math.floor(perHour * f),
    minSpacingMs: (s.minSpacingSeconds * 1000) / f,
    maxSpacingMs: (s.maxSpacingSeconds * 1000) / f,
  };
}

/** A small seeded generator for the spacing: mulberry32 of the seed's FNV-1a hash. */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return mulberry32(h);
}

const FAR = 3650 * DAY;

/**
 * The earliest time, not before `now`, at which one more first contact keeps every rolling hour
 * and day within the caps at that time, and is spaced after the latest one by a seeded random
 * gap. `times` are the first contacts already sent or scheduled. Infinity when caps are zero.
 */
export function nextSlot(times: readonly number[], now: number, caps: (t: number) => Caps, random: () => number): number {
  const sorted = [...times].sort((x, y) => x - y);
  const first = caps(now);
  const last = sorted.length > 0 ? sorted[sorted.length - 1]! : -Infinity;
  const gap = first.minSpacingMs + random() * (first.maxSpacingMs - first.minSpacingMs);
  let t = Math.max(now, Math.ceil(last + gap));
  for (let guard = 0; guard < 10_000; guard++) {
    if (t - now > FAR) return Infinity;
    const c = caps(t);
    if (c.perHour <= 0 && c.perDay <= 0) {
      // Nothing allowed at t (a red number at a tight warm-up): try the next day.
      t += DAY;
      continue;
    }
    const inHour = sorted.filter((x) => x > t - HOUR && x <= t);
    const inDay = sorted.filter((x) => x > t - DAY && x <= t);
    if (c.perHour <= 0 || c.perDay <= 0) {
      t += HOUR;
      continue;
    }
    if (inDay.length >= c.perDay) {
      t = inDay[inDay.length - c.perDay]! + DAY;
      continue;
    }
    if (inHour.length >= c.perHour) {
      t = inHour[inHour.length - c.perHour]! + HOUR;
      continue;
    }
    // Later slots already scheduled must still fit with this one in their windows.
    const later = sorted.filter((x) => x > t);
    const bad = later.find((x) => {
      const cx = caps(x);
      const h = sorted.filter((y) => y > x - HOUR && y <= x).length + (t > x - HOUR ? 1 : 0);
      const d = sorted.filter((y) => y > x - DAY && y <= x).length + (t > x - DAY ? 1 : 0);
      return h > cx.perHour || d > cx.perDay;
    });
    if (bad !== undefined) {
      t = later[later.length - 1]! + Math.ceil(gap);
      continue;
    }
    return t;
  }
  return Infinity;
}
