/**
 * Paces calls to a rate (SES's MaxSendRate share for this function instance)
 * and bounds how many run at once.
 *
 * Hand-written because it is ~30 lines and the concurrency-limit libraries
 * (p-limit and friends) cap parallelism but do not pace to a rate; and because
 * it must run on the injected clock and sleep so tests never wait.
 */

export interface Pacer {
  /** Resolves when the caller may make one call; reservations are handed out in order. */
  take(): Promise<void>;
}

/**
 * Evenly spaced slots (a token bucket of capacity 1): each caller reserves the
 * next free instant, `1000 / ratePerSecond` ms after the previous one, and
 * sleeps until then. SES counts a per-second rate, so spreading sends evenly
 * never bursts over it.
 */
export function createPacer(
  ratePerSecond: number,
  clock: () => Date,
  sleep: (ms: number) => Promise<void>,
): Pacer {
  const interval = 1000 / ratePerSecond;
  let nextAt = Number.NEGATIVE_INFINITY;
  return {
    async take() {
      const now = clock().getTime();
      const at = Math.max(now, nextAt);
      nextAt = at + interval;
      if (at > now) await sleep(at - now);
    },
  };
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
