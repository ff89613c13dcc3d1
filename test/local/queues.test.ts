import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type DeadLetter, LocalQueue } from '../../local/queues';
import { WorkTracker } from '../../local/tracker';

function setup(
  consumer: (event: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>,
  maxReceiveCount = 3,
) {
  const tracker = new WorkTracker();
  const dead: DeadLetter[] = [];
  const queue = new LocalQueue({
    name: 'test',
    consumer,
    tracker,
    deadLetter: async (letter) => {
      dead.push(letter);
    },
    batchSize: 2,
    concurrency: 2,
    maxReceiveCount,
    visibilityDelayMs: () => 0,
  });
  return { tracker, dead, queue };
}

describe('LocalQueue', () => {
  it('delivers every body in SQS record shape and drains', async () => {
    const seen: string[] = [];
    const { tracker, queue } = setup(async (event) => {
      for (const r of event.Records) {
        expect(r.eventSource).toBe('aws:sqs');
        expect(r.attributes.ApproximateReceiveCount).toBe('1');
        seen.push(r.body);
      }
      return { batchItemFailures: [] };
    });
    queue.send(['a', 'b', 'c', 'd', 'e']);
    await tracker.idle();
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('redelivers only the records named in batchItemFailures, with a higher receive count', async () => {
    const receives: Array<[string, string]> = [];
    let failedOnce = false;
    const { tracker, queue, dead } = setup(async (event) => {
      const failures = [];
      for (const r of event.Records) {
        receives.push([r.body, r.attributes.ApproximateReceiveCount]);
        if (r.body === 'flaky' && !failedOnce) {
          failedOnce = true;
          failures.push({ itemIdentifier: r.messageId });
        }
      }
      return { batchItemFailures: failures };
    });
    queue.send(['ok', 'flaky']);
    await tracker.idle();
    expect(receives).toEqual([
      ['ok', '1'],
      ['flaky', '1'],
      ['flaky', '2'],
    ]);
    expect(dead).toEqual([]);
  });

  it('a throw fails the whole batch; after maxReceiveCount the message is dead-lettered', async () => {
    let calls = 0;
    const { tracker, queue, dead } = setup(async () => {
      calls += 1;
      throw new Error('boom');
    }, 3);
    queue.send(['x']);
    await tracker.idle();
    expect(calls).toBe(3);
    expect(dead).toEqual([
      expect.objectContaining({
        source: 'queue:test',
        body: 'x',
        attempts: 3,
        reason: 'Error: boom',
      }),
    ]);
  });

  it('never runs more consumers at once than its concurrency', async () => {
    let running = 0;
    let peak = 0;
    const { tracker, queue } = setup(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running -= 1;
      return { batchItemFailures: [] };
    });
    queue.send(Array.from({ length: 20 }, (_, i) => String(i)));
    await tracker.idle();
    expect(peak).toBe(2);
  });
});
