/**
 * The send pacer: one instance's share of the SES rate. What SES sees must
 * stay under the share plus half a second of catching up, over any span of
 * time, however late or bunched the callers are; callers that always wait get
 * evenly spaced slots.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CATCH_UP_SECONDS,
  createPacer,
  defaultInFlight,
  forEachLimited,
} from '../../functions/send/pacer';
import { TestClock } from '../helpers/herald-fakes';
import { VirtualTime } from '../helpers/virtual-time';

/** Calls `take` at each arrival time (ms from 0) and returns when each call was let through. */
async function passes(rate: number, arrivals: readonly number[]): Promise<number[]> {
  const clock = new TestClock(new Date(0));
  const time = new VirtualTime(clock);
  const pacer = createPacer(rate, clock.now, time.sleep);
  const out: number[] = [];
  const callers = arrivals.map(async (at) => {
    await time.sleep(at);
    await pacer.take();
    out.push(clock.now().getTime());
  });
  await time.run(Promise.all(callers));
  return out.sort((a, b) => a - b);
}

describe('createPacer', () => {
  it('spaces callers that are all waiting evenly, with no burst at the start', async () => {
    const out = await passes(
      10,
      Array.from({ length: 8 }, () => 0),
    );
    expect(out).toEqual([0, 100, 200, 300, 400, 500, 600, 700]);
  });

  it('lets a late caller catch up the slots it missed, at most half a second of them', async () => {
    // Slots 0 and 100 are used; nobody calls until 1000, so 200…900 went unused.
    const out = await passes(10, [0, 0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    const caughtUp = out.filter((t) => t === 1000).length;
    expect(caughtUp).toBe(10 * CATCH_UP_SECONDS);
    // …and then it is back to the even schedule.
    expect(out.slice(2 + caughtUp)).toEqual([1100, 1200, 1300]);
  });

  it('property: over any span, no more than the rate plus the catch-up slots get through', async () => {
    const rate = fc.constantFrom(1, 2, 7, 10, 12.5, 25);
    const arrivals = fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(rate, arrivals, async (r, times) => {
        const out = await passes(r, times);
        const slots = Math.max(1, Math.floor(r * CATCH_UP_SECONDS));
        for (let i = 0; i < out.length; i++) {
          for (let j = i; j < out.length; j++) {
            const span = (out[j] ?? 0) - (out[i] ?? 0);
            // Calls i..j happened within `span` ms.
            // (1e-6: the slots are 1000 / rate ms apart in floating point.)
            expect(j - i + 1).toBeLessThanOrEqual(slots + Math.floor((span * r) / 1000 + 1e-6));
          }
        }
        // Nobody is let through before they called, and everyone gets through.
        expect(out).toHaveLength(times.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe('defaultInFlight', () => {
  it('keeps one second of the rate in flight, at least five', () => {
    expect(defaultInFlight(2)).toBe(5);
    expect(defaultInFlight(7)).toBe(7);
    expect(defaultInFlight(25)).toBe(25);
    expect(defaultInFlight(12.5)).toBe(13);
  });
});

describe('forEachLimited', () => {
  it('never has more than the limit in flight and visits every item once', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(item);
      inFlight--;
    });
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
