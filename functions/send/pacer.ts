/**
 * Paces calls to a rate (SES's MaxSendRate share for this function instance)
 * and bounds how many run at once.
 *
 * Hand-written because it is ~40 lines and the concurrency-limit libraries
 * (p-limit and friends) cap parallelism but do not pace to a rate; and because
 * it must run on the injected clock and sleep so tests never wait.
 */

export interface Pacer {
  /** Resolves when the caller may make one call; reservations are handed out in order. */
  take(): Promise<void>;
}

/**
 * How far behind its schedule an instance may catch up, in seconds of its rate
 * (see createPacer). Half a second: SES lets an account exceed its rate "for
 * short bursts", and every instance together can then send at most half a
 * second's worth of the account rate at once.
 */
export const CATCH_UP_SECONDS = 0.5;

/**
 * A token bucket (the generic cell rate algorithm): calls are spaced
 * `1000 / ratePerSecond` ms apart, and a call that comes late, because every
 * recipient in flight was waiting on DynamoDB or SES, may use the slots that
 * went unused, up to `CATCH_UP_SECONDS` worth. Without catching up, every slow
 * call would lower the rate for good; with it, over any span of t seconds an
 * instance sends at most `ratePerSecond × (t + CATCH_UP_SECONDS)` (+1).
 *
 * Why that is safe with several Lambda instances, each its own process with
 * its own pacer: sendPacing gives each instance a share so that the shares add
 * up to at most the SES rate, so all instances together send at most the SES
 * rate × (t + 0.5 s). SES accepts that as long as it allows a burst of half a
 * second of its rate on top (the bench models SES as a token bucket of one
 * second: docs/performance.md). A fresh pacer starts with nothing saved, so
 * instances that start together do not burst together.
 */
export function createPacer(
  ratePerSecond: number,
  clock: () => Date,
  sleep: (ms: number) => Promise<void>,
): Pacer {
  const interval = 1000 / ratePerSecond;
  const slots = Math.max(1, Math.floor(ratePerSecond * CATCH_UP_SECONDS));
  // How early a call may go compared with its slot on the even schedule.
  const tolerance = (slots - 1) * interval;
  // The time the next call would have on the even schedule (GCRA's "theoretical arrival time").
  let due: number | undefined;
  return {
    async take() {
      const now = clock().getTime();
      // The first call finds the bucket empty: no catching up on time that was never behind.
      due ??= now + tolerance;
      // Whole milliseconds, rounded up: a clock reads whole milliseconds, and a call let
      // through a fraction early could be one more than the rate allows in some span.
      const at = Math.ceil(Math.max(now, due - tolerance));
      due = Math.max(at, due) + interval;
      if (at > now) await sleep(at - now);
    },
  };
}

/**
 * Recipients a send invocation keeps in flight by default: one second of this
 * instance's rate (at least 5), so the pacer has a caller waiting as long as
 * claiming, sending and marking one recipient takes under a second (in AWS,
 * about a tenth). Each waits for its slot holding its claim, about a second at
 * most. Not more: a whole batch in flight at once would make every claim wait
 * behind the others before the first email can go.
 */
export function defaultInFlight(ratePerSecond: number): number {
  return Math.max(5, Math.ceil(ratePerSecond));
}

/** Runs `work` over `items` with at most `limit` in flight; resolves when all have settled. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
