/**
 * ListCounter (beacon groups' port, service and address counts) keeps SmallCounter's rules:
 * same counts, same overflow past the cap, same top key (ties: first inserted), same key order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListCounter, SmallCounter } from '../../src/detect/pairs.js';

describe('ListCounter', () => {
  it('matches SmallCounter on any sequence of adds, cap included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 5 })), { maxLength: 80 }),
        (cap, adds) => {
          const list = new ListCounter<number>(cap);
          const map = new SmallCounter<number>(cap);
          for (const [k, n] of adds) {
            list.add(k, n);
            map.add(k, n);
          }
          expect(list.keys()).toEqual(map.keys());
          expect(list.top()).toBe(map.top());
          expect(list.overflow).toBe(map.overflow);
        },
      ),
    );
  });

  it('counts string keys by value, and one by default', () => {
    const c = new ListCounter<string>(2);
    c.add('ssl');
    c.add('http', 3);
    c.add(['s', 's', 'l'].join(''), 3);
    c.add('dns', 2);
    expect(c.keys()).toEqual(['ssl', 'http']);
    expect(c.top()).toBe('ssl');
    expect(c.overflow).toBe(2);
    expect(new ListCounter<number>(4).top()).toBeUndefined();
  });
});
