import { describe, expect, it } from 'vitest';
import { frozenClock } from '../../local/clock';
import type { DeadLetter } from '../../local/queues';
import { LocalScheduler } from '../../local/scheduler';
import { WorkTracker } from '../../local/tracker';

function setup(fire: (payload: string) => Promise<void>) {
  const clock = frozenClock(new Date('2024-02-20T12:00:00Z'));
  const tracker = new WorkTracker();
  const dead: DeadLetter[] = [];
  const scheduler = new LocalScheduler({
    clock,
    tracker,
    fire,
    deadLetter: async (l) => void dead.push(l),
  });
  return { clock, tracker, dead, scheduler };
}

describe('LocalScheduler', () => {
  it('fires at the lift when the clock advances, in time order, once', async () => {
    const fired: string[] = [];
    const { scheduler, tracker } = setup(async (p) => void fired.push(p));
    await scheduler.create({ name: 'b', at: '2024-02-21T00:01:00.000Z', payload: 'B' });
    await scheduler.create({ name: 'a', at: '2024-02-20T18:00:00.000Z', payload: 'A' });
    await scheduler.create({ name: 'a', at: '2024-02-20T18:00:00.000Z', payload: 'A' });
    scheduler.advanceTo(new Date('2024-02-20T17:59:59Z'));
    await tracker.idle();
    expect(fired).toEqual([]);
    scheduler.advanceTo(new Date('2024-02-21T00:01:00Z'));
    await tracker.idle();
    expect(fired).toEqual(['A', 'B']);
    // Creating a fired name again is a no-op, as with a deterministic schedule name.
    await scheduler.create({ name: 'a', at: '2024-02-20T18:00:00.000Z', payload: 'A' });
    await tracker.idle();
    expect(fired).toEqual(['A', 'B']);
  });

  it('delete cancels; deleting a missing schedule is a no-op', async () => {
    const fired: string[] = [];
    const { scheduler, tracker } = setup(async (p) => void fired.push(p));
    await scheduler.create({ name: 'x', at: '2024-02-21T00:00:00.000Z', payload: 'X' });
    await scheduler.delete('x');
    await scheduler.delete('missing');
    expect(scheduler.fastForward()).toBeNull();
    await tracker.idle();
    expect(fired).toEqual([]);
  });

  it('fires at once when created for a time already passed', async () => {
    const fired: string[] = [];
    const { scheduler, tracker } = setup(async (p) => void fired.push(p));
    await scheduler.create({ name: 'past', at: '2024-02-20T11:00:00.000Z', payload: 'P' });
    await tracker.idle();
    expect(fired).toEqual(['P']);
  });

  it('retries a failing target and then dead-letters it', async () => {
    let calls = 0;
    const { scheduler, tracker, dead } = setup(async () => {
      calls += 1;
      throw new Error('release failed');
    });
    await scheduler.create({
      name: 's',
      at: '2024-02-21T00:00:00.000Z',
      payload: '{"id":"x","revision":1}',
    });
    expect(scheduler.fastForward()?.toISOString()).toBe('2024-02-21T00:00:01.000Z');
    await tracker.idle();
    expect(calls).toBe(3);
    expect(dead).toEqual([
      expect.objectContaining({ source: 'scheduler:s', body: '{"id":"x","revision":1}' }),
    ]);
  });
});
