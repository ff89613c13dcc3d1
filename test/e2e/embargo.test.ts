/** Embargo is a gate: journalists at once, website and statement.released only at the lift. */
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../core/security/webhook-signature';
import { startTestStack } from '../helpers/local-stack';

const ID = 'bscp-2024-02-scr';

describe('a future embargo', () => {
  it('emails journalists now; website and statement.released only when the clock reaches the lift', async () => {
    const stack = await startTestStack({ now: new Date('2024-02-20T09:00:00Z') });
    try {
      await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
      await stack.drain();
      expect(await stack.emlFiles(ID, 1)).toHaveLength(4);
      expect(await stack.hooks()).toEqual([]);
      expect(await stack.partnerRecords('police-partnership')).toEqual([]);
      // health-trust wants embargoed=false only.
      expect(await stack.partnerRecords('health-trust')).toEqual([]);
      const archive = await stack.partnerRecords('newsdesk-archive');
      expect(archive.map((r) => r.attributes.type?.Value)).toEqual(['statement.published']);
      expect(archive[0]?.attributes.embargoed?.Value).toBe('true');
      expect(stack.summary().statements[0]?.release).toEqual({
        at: '2024-02-21T00:01:00.000Z',
        released: false,
      });

      await stack.advanceClock('2024-02-21T00:00:59Z');
      expect(await stack.hooks()).toEqual([]);

      await stack.advanceClock('2024-02-21T00:01:00Z');
      const hooks = await stack.hooks();
      expect(hooks).toHaveLength(1);
      const hook = hooks[0];
      expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({
        type: 'statement.released',
        id: ID,
        revision: 1,
      });
      const secrets = JSON.parse(
        await (await import('node:fs/promises')).readFile(
          `${stack.paths.stateDir}/secrets.json`,
          'utf8',
        ),
      ) as {
        webhookSecret: string;
      };
      expect(
        verifyWebhook({
          body: hook?.body ?? '',
          timestamp: hook?.headers['x-herald-timestamp'],
          signature: hook?.headers['x-herald-signature'],
          secret: secrets.webhookSecret,
          now: Date.parse('2024-02-21T00:01:00Z') / 1000,
        }),
      ).toMatchObject({ ok: true });
      expect(
        (await stack.partnerRecords('police-partnership')).map((r) => r.attributes.type?.Value),
      ).toEqual(['statement.released']);
      expect(
        (await stack.partnerRecords('health-trust')).map((r) => r.attributes.type?.Value),
      ).toEqual(['statement.released']);
      expect(stack.summary().statements[0]?.release.released).toBe(true);

      // A correction after release re-notifies everyone who got the original and rebuilds the website.
      await stack.upload(
        '05.json',
        await stack.readExample('05-bscp-serious-case-review-correction.json'),
      );
      await stack.drain();
      expect(await stack.emlFiles(ID, 2)).toEqual(await stack.emlFiles(ID, 1));
      const rebuilt = (await stack.hooks()).map((h) => JSON.parse(h.body) as { revision: number });
      expect(rebuilt.map((h) => h.revision)).toEqual([1, 2]);
      const archiveTypes = (await stack.partnerRecords('newsdesk-archive')).map(
        (r) => r.attributes.type?.Value,
      );
      expect(archiveTypes).toContain('statement.corrected');
      expect(stack.summary().duplicateEmails).toBe(0);
    } finally {
      await stack.stop();
    }
  });

  it('a withdrawal before the lift cancels the release and sends the kill notice', async () => {
    const stack = await startTestStack({ now: new Date('2031-06-01T09:00:00Z') });
    const id = 'wdnhs-2031-06-family-hub';
    try {
      await stack.upload(
        '03.json',
        await stack.readExample('03-westmere-nhs-family-hub-media-advisory.json'),
      );
      await stack.drain();
      const first = await stack.emlFiles(id, 1);
      expect(first.length).toBeGreaterThan(0);
      expect(stack.scheduler.pending()).toHaveLength(1);

      await stack.upload('06.json', await stack.readExample('06-wdnhs-family-hub-withdrawn.json'));
      await stack.drain();
      expect(stack.summary().statements[1]).toMatchObject({
        id,
        revision: 2,
        outcome: 'withdrawn',
      });
      expect(stack.scheduler.pending()).toEqual([]);
      expect(await stack.emlFiles(id, 2)).toEqual(first);
      const kill = (await stack.emails(id, 2)).values().next().value;
      expect(kill?.subject).toMatch(/^WITHDRAWN/);

      await stack.advanceClock('2031-06-11T00:00:00Z');
      expect(await stack.hooks()).toEqual([]);
      const released = (await stack.partnerRecords('police-partnership')).filter(
        (r) => r.attributes.type?.Value === 'statement.released',
      );
      expect(released).toEqual([]);
      expect(
        (await stack.partnerRecords('newsdesk-archive')).map((r) => r.attributes.type?.Value),
      ).toContain('statement.withdrawn');
    } finally {
      await stack.stop();
    }
  });

  it('a release whose schedule was deleted is made by the overdue-release sweep after the lift', async () => {
    const stack = await startTestStack({ now: new Date('2024-02-20T09:00:00Z') });
    try {
      await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
      await stack.drain();
      const [schedule] = stack.scheduler.pending();
      expect(schedule?.at).toBe('2024-02-21T00:01:00.000Z');
      // Someone deletes the schedule by hand (or its retries ran out).
      await stack.scheduler.delete(schedule?.name ?? '');

      await stack.advanceClock('2024-02-21T00:01:30Z');
      expect(await stack.hooks()).toEqual([]);

      // Minutes later the sweep (an EventBridge rule in AWS) finds the release owed.
      await stack.advanceClock('2024-02-21T00:06:00Z');
      const hooks = (await stack.hooks()).map((h) => JSON.parse(h.body) as { type: string });
      expect(hooks.map((h) => h.type)).toEqual(['statement.released']);
      const ops = await stack.ops();
      expect(ops.map((m) => m.subject)).toContain(`Herald: released ${ID} r1 (late)`);
      expect(stack.summary().statements[0]?.release.released).toBe(true);
    } finally {
      await stack.stop();
    }
  });
});
