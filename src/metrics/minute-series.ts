/**
 * Counts per minute over the last day, per named series, in fixed memory: one ring of 1,440
 * slots per name. Old minutes are overwritten as time moves on; reading a minute older than the
 * ring gives zero.
 */
const MINUTE = 60_000;
export const SLOTS = 24 * 60;

export class MinuteSeries {
  private readonly rings = new Map<string, { minutes: Float64Array; counts: Float64Array }>();

  add(name: string, atMs: number, n = 1): void {
    const minute = Math.floor(atMs / MINUTE);
    let ring = this.rings.get(name);
    if (!ring) this.rings.set(name, (ring = { minutes: new Float64Array(SLOTS).fill(-1), counts: new Float64Array(SLOTS) }));
    const slot = minute % SLOTS;
    if (ring.minutes[slot] !== minute) {
      ring.minutes[slot] = minute;
      ring.counts[slot] = 0;
    }
    ring.counts[slot]! += n;
  }

  /** The last `minutes` whole minutes up to `nowMs`, oldest first. */
  read(name: string, nowMs: number, minutes: number): number[] {
    const last = Math.floor(nowMs / MINUTE);
    const out = new Array<number>(minutes).fill(0);
    const ring = this.rings.get(name);
    if (!ring) return out;
    for (let i = 0; i < minutes; i++) {
      const minute = last - minutes + 1 + i;
      const slot = ((minute % SLOTS) + SLOTS) % SLOTS;
      if (ring.minutes[slot] === minute) out[i] = ring.counts[slot]!;
    }
    return out;
  }

  /** Names of the series, optionally those starting with `prefix`. */
  names(prefix = ''): string[] {
    return [...this.rings.keys()].filter((n) => n.startsWith(prefix)).sort();
  }

  total(name: string, nowMs: number, minutes: number): number {
    return this.read(name, nowMs, minutes).reduce((a, b) => a + b, 0);
  }
}
