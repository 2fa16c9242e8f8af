import { describe, expect, it } from 'vitest';
import { Serializer } from './serial.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('Serializer', () => {
  it('runs jobs sharing a key one after another, in arrival order, and others at once', async () => {
    const s = new Serializer();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}+`);
      await tick();
      log.push(`${name}-`);
    };
    await Promise.all([s.run(['a'], job('1')), s.run(['a', 'b'], job('2')), s.run(['c'], job('3')), s.run(['b'], job('4'))]);
    // 3 does not wait for anyone; 2 waits for 1; 4 waits for 2 (key b).
    expect(log.indexOf('1-')).toBeLessThan(log.indexOf('2+'));
    expect(log.indexOf('2-')).toBeLessThan(log.indexOf('4+'));
    expect(log.indexOf('3+')).toBeLessThan(log.indexOf('1-'));
    expect(s.size).toBe(0);
  });

  it('a failed job releases its keys', async () => {
    const s = new Serializer();
    await expect(s.run(['a'], async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await expect(s.run(['a'], async () => 7)).resolves.toBe(7);
  });

  it('an inner step passing its Held takes the keys it already has without waiting for itself', async () => {
    const s = new Serializer();
    const order: string[] = [];
    const other = s.run(['b'], async () => {
      await tick();
      order.push('other b');
    });
    const inner = await s.run(['a'], (held) =>
      s.run(
        ['a', 'b'],
        async (inside) => {
          order.push('inner');
          expect([...inside.keys].sort()).toEqual(['a', 'b']);
          return 'inner';
        },
        held,
      ),
    );
    await other;
    expect(inner).toBe('inner');
    // b was not held by the outer job: the inner step waited for the other holder of b.
    expect(order).toEqual(['other b', 'inner']);
    expect(s.size).toBe(0);
  });

  it('a check-then-write under a key never decides twice from the same state', async () => {
    const s = new Serializer();
    let taken = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        s.run(['phone'], async () => {
          if (taken > 0) return 409;
          await tick(); // the write
          taken++;
          return 201;
        }),
      ),
    );
    expect(outcomes.filter((o) => o === 201)).toHaveLength(1);
  });
});
