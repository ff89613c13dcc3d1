import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../local/queues';
import { LocalSnsRouter, type Notification } from '../../local/sns-router';
import { WorkTracker } from '../../local/tracker';

function setup() {
  const tracker = new WorkTracker();
  const dead: DeadLetter[] = [];
  const router = new LocalSnsRouter({
    tracker,
    deadLetter: async (l) => {
      dead.push(l);
    },
  });
  return { tracker, dead, router };
}

const attrs = (type: string, embargoed: string) =>
  ({
    type: { DataType: 'String', StringValue: type },
    embargoed: { DataType: 'String', StringValue: embargoed },
    topics: { DataType: 'String.Array', StringValue: JSON.stringify(['safeguarding']) },
  }) as const;

describe('LocalSnsRouter', () => {
  it('delivers to subscriptions of the topic whose filter policy matches', async () => {
    const { tracker, router } = setup();
    const got: Record<string, string[]> = { all: [], released: [], unembargoed: [], press: [] };
    router.subscribe({
      topic: 'partners',
      name: 'all',
      deliver: async (n) => void got.all?.push(n.body),
    });
    router.subscribe({
      topic: 'partners',
      name: 'released',
      filterPolicy: { type: ['statement.released'] },
      deliver: async (n) => void got.released?.push(n.body),
    });
    router.subscribe({
      topic: 'partners',
      name: 'unembargoed',
      filterPolicy: { embargoed: ['false'], topics: ['safeguarding'] },
      deliver: async (n) => void got.unembargoed?.push(n.body),
    });
    router.subscribe({
      topic: 'press',
      name: 'press',
      deliver: async (n) => void got.press?.push(n.body),
    });
    await router.publish({
      topic: 'partners',
      body: 'p1',
      attributes: attrs('statement.published', 'true'),
    });
    await router.publish({
      topic: 'partners',
      body: 'r1',
      attributes: attrs('statement.released', 'false'),
    });
    await tracker.idle();
    expect(got).toEqual({ all: ['p1', 'r1'], released: ['r1'], unembargoed: ['r1'], press: [] });
  });

  it('retries a failing delivery, then dead-letters it with the SNS envelope', async () => {
    const { tracker, router, dead } = setup();
    let attempts = 0;
    router.subscribe({
      topic: 'partners',
      name: 'down',
      policy: { attempts: 4, delayMs: () => 0 },
      deliver: async () => {
        attempts += 1;
        throw new Error('500');
      },
    });
    let flaky = 0;
    const delivered: Notification[] = [];
    router.subscribe({
      topic: 'partners',
      name: 'flaky',
      policy: { attempts: 4, delayMs: () => 0 },
      deliver: async (n) => {
        flaky += 1;
        if (flaky < 3) throw new Error('503');
        delivered.push(n);
      },
    });
    const { messageId } = await router.publish({
      topic: 'partners',
      body: '{"a":1}',
      attributes: attrs('statement.published', 'true'),
    });
    await tracker.idle();
    expect(attempts).toBe(4);
    expect(delivered.map((n) => n.messageId)).toEqual([messageId]);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.source).toBe('sns:partners:down');
    const envelope = JSON.parse(dead[0]?.body ?? '{}');
    expect(envelope).toMatchObject({
      Type: 'Notification',
      MessageId: messageId,
      Message: '{"a":1}',
      MessageAttributes: { type: { Type: 'String', Value: 'statement.published' } },
    });
  });
});
