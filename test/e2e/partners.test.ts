/** Partners get exactly what their SNS filter policies match, embargoed filtering included. */
import { describe, expect, it } from 'vitest';
import type { HeraldConfigInput } from '../../core/config/schema';
import { startTestStack, TEST_CONFIG } from '../helpers/local-stack';

const https = (name: string, filterPolicy?: Record<string, unknown>) => ({
  name,
  protocol: 'https' as const,
  endpoint: `https://partners.example.net/${name}`,
  ...(filterPolicy ? { filterPolicy } : {}),
});

const CONFIG: HeraldConfigInput = {
  ...TEST_CONFIG,
  partners: {
    subscriptions: [
      https('everything'),
      https('released-only', { type: ['statement.released'] }),
      https('unembargoed-news', { type: [{ prefix: 'statement.' }], embargoed: ['false'] }),
      https('embargoed-safeguarding', { embargoed: ['true'], topics: ['safeguarding'] }),
      https('roads-not-advisories', {
        topics: ['roads', 'health'],
        kind: [{ 'anything-but': 'media-advisory' }],
      }),
      https('bscp-or-withdrawals', {
        $or: [{ organisation: ['BSCP'] }, { type: ['statement.withdrawn'] }],
      }),
    ],
  },
};

describe('partner filter policies', () => {
  it('each partner receives exactly the messages its policy matches', async () => {
    const stack = await startTestStack({ config: CONFIG, now: new Date('2024-02-20T09:00:00Z') });
    try {
      // Embargoed, safeguarding, BSCP; then not embargoed, roads; then a withdrawal.
      for (const name of [
        '01-bscp-serious-case-review.json',
        '02-westmere-council-winter-gritting.json',
      ]) {
        await stack.upload(name, await stack.readExample(name));
        await stack.drain();
      }
      await stack.advanceClock('2024-02-21T00:01:00Z');

      const received = async (name: string) =>
        (await stack.partnerRecords(name)).map((r) => {
          const message = r.message as { type: string; statement: { id: string } };
          expect(message.type).toBe(r.attributes.type?.Value);
          return `${message.statement.id.split('-')[0]}:${message.type.replace('statement.', '')}`;
        });
      // SNS does not order deliveries (published and released of one statement race),
      // so compare what each partner got, not the order it arrived in.
      const sameMessages = async (name: string, expected: string[]) =>
        expect((await received(name)).sort()).toEqual([...expected].sort());

      await sameMessages('everything', [
        'bscp:published',
        'westmere:published',
        'westmere:released',
        'bscp:released',
      ]);
      await sameMessages('released-only', ['westmere:released', 'bscp:released']);
      await sameMessages('unembargoed-news', [
        'westmere:published',
        'westmere:released',
        'bscp:released',
      ]);
      await sameMessages('embargoed-safeguarding', ['bscp:published']);
      await sameMessages('roads-not-advisories', ['westmere:published', 'westmere:released']);
      await sameMessages('bscp-or-withdrawals', ['bscp:published', 'bscp:released']);

      const summary = stack.summary();
      expect(summary.statements[0]?.partners).toMatchObject({ everything: 2, 'released-only': 1 });
    } finally {
      await stack.stop();
    }
  });

  it('delivers the envelope with SNS-style attributes and the dedupe key', async () => {
    const stack = await startTestStack({ config: CONFIG });
    try {
      await stack.upload(
        '02.json',
        await stack.readExample('02-westmere-council-winter-gritting.json'),
      );
      await stack.drain();
      const [first] = await stack.partnerRecords('everything');
      expect(first?.attributes).toMatchObject({
        type: { Type: 'String', Value: 'statement.published' },
        embargoed: { Type: 'String', Value: 'false' },
        topics: { Type: 'String.Array', Value: JSON.stringify(['roads', 'weather']) },
      });
      expect(first?.message).toMatchObject({
        version: 1,
        dedupeKey: 'westmere-2024-02-gritting#1#statement.published',
      });
      expect(Date.parse(first?.receivedAt ?? '')).not.toBeNaN();
    } finally {
      await stack.stop();
    }
  });
});
