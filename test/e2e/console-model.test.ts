/**
 * What the newsroom console reads from a running stack (local/console/model.ts), on the
 * demo's story: the examples uploaded in order before the seed's lift, then the lift.
 * And "0 journalists emailed" always comes with its reason.
 */
import { readdir } from 'node:fs/promises';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { describeStatement } from '../../cli/dev-output';
import { readSnapshot, type StatementView } from '../../local/console/model';
import { EXAMPLES, startTestStack, type TestStack } from '../helpers/local-stack';

async function uploadExamples(stack: TestStack): Promise<void> {
  for (const file of (await readdir(EXAMPLES)).filter((f) => f.endsWith('.json')).sort()) {
    await stack.upload(file, await stack.readExample(file));
    await stack.drain();
  }
}

const byId = (statements: StatementView[], id: string): StatementView => {
  const found = statements.find((s) => s.id === id);
  if (!found) throw new Error(`no statement ${id}`);
  return found;
};

describe('the console model on the demo story', () => {
  it('shows each statement’s state and what each audience got, before and after the lift', async () => {
    const stack = await startTestStack({ now: new Date('2024-02-20T09:00:00Z') });
    try {
      await uploadExamples(stack);
      const before = await readSnapshot(stack, { demo: true });
      expect(before.clock).toMatchObject({
        now: '2024-02-20T09:00:00.000Z',
        demo: true,
        running: false,
        nextLift: {
          at: '2024-02-21T10:00:00.000Z',
          display: '10:00 GMT, Wednesday 21 February 2024',
          id: 'bscp-2024-02-scr',
          revision: 3,
        },
      });
      expect(Object.fromEntries(before.statements.map((s) => [s.id, s.state]))).toEqual({
        'bscp-2024-02-scr': 'embargoed',
        'westmere-2024-02-gritting': 'withdrawn',
        'wdnhs-2031-06-family-hub': 'withdrawn',
        'glanyrafon-2024-02-llyfrgelloedd': 'released',
      });

      // The seed: embargoed; its correction kept the lift; the next one moved it.
      const seed = byId(before.statements, 'bscp-2024-02-scr');
      expect(seed.embargo?.display).toBe('10:00 GMT, Wednesday 21 February 2024');
      expect(
        seed.revisions.map((r) => [r.revision, r.kind, r.inheritedFrom, r.liftChange]),
      ).toEqual([
        [
          3,
          'corrected',
          null,
          {
            from: '00:01 GMT, Wednesday 21 February 2024',
            to: '10:00 GMT, Wednesday 21 February 2024',
          },
        ],
        [2, 'corrected', 1, null],
        [1, 'published', null, null],
      ]);
      const latest = seed.revisions[0];
      expect(latest?.press.emailed.map((j) => j.name)).toEqual([
        'Amira Haddad',
        'Hannah Price',
        'Sophie Kowalska',
        'Tom Whitfield',
      ]);
      expect(latest?.press.note).toBeNull();
      expect(latest?.emails).toHaveLength(4);
      expect(latest?.website).toEqual([]);
      expect(latest?.partners.find((p) => p.name === 'newsdesk-archive')?.messages).toEqual([
        expect.objectContaining({ type: 'statement.corrected', embargoed: 'true' }),
      ]);
      expect(latest?.social?.map((p) => [p.platform, p.ok, p.limit])).toEqual([
        ['X', true, 280],
        ['Bluesky', true, 300],
        ['Mastodon', true, 500],
        ['LinkedIn', true, 3000],
      ]);

      // A withdrawal of an embargoed advisory: kill notices to everyone who had it.
      const advisory = byId(before.statements, 'wdnhs-2031-06-family-hub');
      const [killed, advised] = advisory.revisions;
      expect(killed?.kind).toBe('withdrawn');
      expect(killed?.press.emailed.map((j) => j.email).sort()).toEqual(
        advised?.press.emailed.map((j) => j.email).sort(),
      );
      expect(killed?.website).toEqual([]);
      expect(killed?.social).toBeNull();

      // A withdrawal of a released statement: the website is told to take it down.
      const gritting = byId(before.statements, 'westmere-2024-02-gritting');
      expect(gritting.revisions.map((r) => r.website.map((w) => w.type))).toEqual([
        ['statement.withdrawn'],
        ['statement.released'],
      ]);
      expect(gritting.revisions[0]?.ops.map((m) => m.subject)).toContain(
        'Herald: withdrawn westmere-2024-02-gritting r2',
      );

      // The lift: the seed's latest revision is released, to the website and partners.
      await stack.advanceClock('2024-02-21T10:00:00Z');
      const after = await readSnapshot(stack);
      const released = byId(after.statements, 'bscp-2024-02-scr');
      expect(released.state).toBe('released');
      expect(released.releasedAt).toBe('2024-02-21T10:00:00.000Z');
      expect(released.revisions[0]?.website.map((w) => w.type)).toEqual(['statement.released']);
      expect(after.clock.nextLift).toBeNull();
      expect(stack.summary().duplicateEmails).toBe(0);
    } finally {
      await stack.stop();
    }
  });
});

describe('nobody emailed', () => {
  const statement = (changes: Record<string, unknown>) =>
    stackExample().then((text) => JSON.stringify({ ...JSON.parse(text), ...changes }));
  let example: Promise<string> | undefined;
  const stackExample = () => {
    example ??= import('node:fs/promises').then(({ readFile }) =>
      readFile(`${EXAMPLES}/02-westmere-council-winter-gritting.json`, 'utf8'),
    );
    return example;
  };

  it('is a warning with the reason: no topic match, press channel off, press list missing', async () => {
    // Nobody on this list follows everything (an empty topics cell would).
    const stack = await startTestStack({
      pressList: 'email,name,outlet,topics\nd.osei@example.net,Daniel Osei,LDRS,roads;weather\n',
    });
    try {
      await stack.upload('a.json', await statement({ id: 'no-match', topics: ['allotments'] }));
      await stack.upload(
        'b.json',
        await statement({ id: 'press-off', channels: { press: false } }),
      );
      await stack.drain();
      await stack.clients.s3.send(
        new DeleteObjectCommand({ Bucket: stack.bucket, Key: 'lists/press.csv' }),
      );
      await stack.upload('c.json', await statement({ id: 'no-list' }));
      await stack.drain();

      const [noMatch, pressOff, noList] = stack.summary().statements;
      expect(noMatch?.pressNote).toBe(
        'no journalist on the press list follows allotments (or those who do have unsubscribed)',
      );
      expect(pressOff?.pressNote).toBe(
        "nothing went to the press: the statement's channels.press is false",
      );
      expect(noList?.pressNote).toBe(
        'the press list could not be read: The press list s3://herald-local/lists/press.csv does not exist.',
      );
      for (const s of [noMatch, pressOff, noList]) {
        if (!s) throw new Error('missing summary');
        const line = describeStatement(s);
        expect(line).toMatch(/^⚠ /);
        expect(line).toContain(`0 journalists emailed (${s.pressNote})`);
      }

      const snapshot = await readSnapshot(stack);
      expect(byId(snapshot.statements, 'no-match').revisions[0]?.press.note).toBe(
        noMatch?.pressNote,
      );
    } finally {
      await stack.stop();
    }
  });
});
