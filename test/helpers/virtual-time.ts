/**
 * Virtual time for code that sleeps on an injected `sleep`: timers fire in
 * deadline order, each only once everything else has settled, and the
 * TestClock moves to each deadline as it fires. (A sleep that just advances
 * the clock lets concurrent sleepers push each other's clocks forward, so
 * several callers would all "wake" at the latest deadline.)
 */
import type { TestClock } from './herald-fakes';

const settle = async () => {
  // Promise chains, then anything scheduled with setImmediate/nextTick by the mocks.
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

export class VirtualTime {
  private readonly timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private seq = 0;
  /** Every sleep asked for, in ms. */
  readonly slept: number[] = [];

  constructor(private readonly clock: TestClock) {}

  readonly sleep = (ms: number): Promise<void> => {
    this.slept.push(ms);
    return new Promise<void>((fire) => {
      this.timers.push({ at: this.clock.now().getTime() + ms, seq: this.seq++, fire });
    });
  };

  /** Runs `work` to the end, firing the timers it sets in order. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    for (;;) {
      await settle();
      if (settled) return watched;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('work is waiting on something other than a timer');
      if (next.at > this.clock.now().getTime()) this.clock.set(new Date(next.at));
      next.fire();
    }
  }
}
