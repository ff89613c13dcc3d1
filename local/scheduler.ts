/**
 * The local EventBridge Scheduler: one timer per release schedule, against the stack's
 * clock. The functions' SchedulerClient calls are answered in process
 * (local/aws-services.ts) by `create` and `delete` here. A running clock fires schedules when their time comes; a frozen clock (tests,
 * `--fast-forward`) fires them when `advanceTo` moves past their lift. Like the real
 * scheduler, creating an existing name is a no-op, deleting a missing one is a no-op,
 * and a failed target is retried a few times and then dead-lettered. The target
 * (`release`) re-checks the statement's state, so a late fire is harmless.
 */
import type { ReleaseSchedule, ReleaseScheduler } from '../functions/shared/ports';
import type { LocalClock } from './clock';
import type { DeadLetter } from './queues';
import type { WorkTracker } from './tracker';

/** setTimeout's ceiling (~24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LocalSchedulerOptions {
  clock: LocalClock;
  tracker: WorkTracker;
  /** Runs the schedule's target with its payload (the ReleaseRequest JSON). */
  fire: (payload: string, schedule: ReleaseSchedule) => Promise<void>;
  deadLetter: (letter: DeadLetter) => Promise<void>;
  /** Attempts per firing before dead-lettering. */
  attempts?: number;
}

interface Entry {
  schedule: ReleaseSchedule;
  timer?: NodeJS.Timeout | undefined;
}

export class LocalScheduler implements ReleaseScheduler {
  private readonly entries = new Map<string, Entry>();
  /** Names that fired, in order (for summaries and tests). */
  readonly fired: ReleaseSchedule[] = [];
  private stopped = false;

  constructor(private readonly options: LocalSchedulerOptions) {}

  async create(schedule: ReleaseSchedule): Promise<void> {
    if (this.entries.has(schedule.name) || this.fired.some((f) => f.name === schedule.name)) return;
    const entry: Entry = { schedule };
    this.entries.set(schedule.name, entry);
    this.arm(entry);
  }

  /** Whether a schedule of this name is waiting to fire. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  async delete(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(name);
  }

  /** Schedules not yet fired, soonest first. */
  pending(): ReleaseSchedule[] {
    return [...this.entries.values()]
      .map((e) => e.schedule)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }

  /** Moves the clock to `instant` and fires every schedule due by then, in time order. */
  advanceTo(instant: Date): void {
    this.options.clock.advanceTo(instant);
    this.fireDue();
  }

  /** Moves the clock just past the last pending lift, firing everything. */
  fastForward(): Date | null {
    const last = this.pending().at(-1);
    if (!last) return null;
    const target = new Date(Date.parse(last.at) + 1000);
    this.advanceTo(target);
    return target;
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
  }

  private arm(entry: Entry): void {
    if (this.stopped) return;
    const wait = Date.parse(entry.schedule.at) - this.options.clock.now().getTime();
    if (wait <= 0) {
      this.fireDue();
      return;
    }
    // A frozen clock never reaches the time by itself: advanceTo fires it.
    if (this.options.clock.mode === 'frozen') return;
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        this.arm(entry);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    // An armed lift must not keep `dev --once` alive; the interactive stack stays up anyway.
    entry.timer.unref();
  }

  private fireDue(): void {
    const now = this.options.clock.now().getTime();
    for (const schedule of this.pending()) {
      if (Date.parse(schedule.at) > now) break;
      const entry = this.entries.get(schedule.name);
      if (entry?.timer) clearTimeout(entry.timer);
      this.entries.delete(schedule.name);
      this.fired.push(schedule);
      this.options.tracker.track(() => this.runTarget(schedule));
    }
  }

  private async runTarget(schedule: ReleaseSchedule): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        await this.options.fire(schedule.payload, schedule);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    await this.options.deadLetter({
      source: `scheduler:${schedule.name}`,
      reason:
        lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
      body: schedule.payload,
      attempts,
      failedAt: this.options.clock.now().toISOString(),
    });
  }
}
