/**
 * The local stack's clock. Handlers get `clock.now` as their `clock`; the scheduler fires
 * releases against it. `running` clocks follow wall time from a chosen start (`--now`);
 * `frozen` clocks (tests) move only when told to, so an embargo lift is an explicit step.
 */
export interface LocalClock {
  now(): Date;
  /** Moves the clock to `instant` (never backwards). */
  advanceTo(instant: Date): void;
  readonly mode: 'running' | 'frozen';
}

export function runningClock(start?: Date): LocalClock {
  let offset = start ? start.getTime() - Date.now() : 0;
  return {
    mode: 'running',
    now: () => new Date(Date.now() + offset),
    advanceTo(instant) {
      const now = Date.now() + offset;
      if (instant.getTime() > now) offset += instant.getTime() - now;
    },
  };
}

export function frozenClock(start: Date): LocalClock {
  let current = start.getTime();
  return {
    mode: 'frozen',
    now: () => new Date(current),
    advanceTo(instant) {
      current = Math.max(current, instant.getTime());
    },
  };
}
