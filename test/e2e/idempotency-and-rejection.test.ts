/** Duplicates nowhere a person sees them; invalid files send nothing and explain why. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const ID = 'westmere-2024-02-gritting';

async function partnerCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const s of stack.config.partners.subscriptions)
    counts[s.name] = (await stack.partnerRecords(s.name)).length;
  return counts;
}

describe('the same file twice, the same S3 event twice', () => {
  it('sends nothing a second time', async () => {
    const body = await stack.readExample('02-westmere-council-winter-gritting.json');
    const key = await stack.upload('gritting.json', body);
    await stack.drain();
    const emails = await stack.emlFiles(ID, 1);
    const partners = await partnerCounts();
    expect(emails.length).toBeGreaterThan(0);
    expect(partners['newsdesk-archive']).toBeGreaterThan(0);

    await stack.upload('gritting.json', body);
    await stack.drain();
    stack.redeliver(key);
    await stack.drain();

    expect(stack.summary().statements.map((s) => s.outcome)).toEqual([
      'published',
      'duplicate',
      'duplicate',
    ]);
    expect(await stack.emlFiles(ID, 1)).toEqual(emails);
    expect(await partnerCounts()).toEqual(partners);
    expect((await stack.hooks()).length).toBe(1);
    expect(stack.summary().duplicateEmails).toBe(0);
  });

  it('the same content under another name is still a duplicate of that revision', async () => {
    await stack.upload(
      'gritting copy.json',
      await stack.readExample('02-westmere-council-winter-gritting.json'),
    );
    await stack.drain();
    expect(stack.summary().statements.at(-1)).toMatchObject({
      file: 'gritting copy.json',
      outcome: 'duplicate',
    });
    expect(stack.summary().duplicateEmails).toBe(0);
  });
});

describe('an invalid file', () => {
  it('sends nothing, leaves a rejected copy and an errors report in the bucket, and tells ops which fields', async () => {
    const before = {
      emails: stack.outbox.entries.length,
      partners: await partnerCounts(),
      published: stack.published.length,
    };
    const body = await readFile(join(REPO, 'examples', 'invalid', 'missing-required-fields.json'));
    await stack.upload('missing fields.json', body);
    await stack.drain();
    const summary = stack.summary().statements.at(-1);
    expect(summary?.outcome).toBe('rejected');
    expect(summary?.errors.length).toBeGreaterThan(0);

    expect(stack.outbox.entries.length).toBe(before.emails);
    expect(await partnerCounts()).toEqual(before.partners);
    const topics = stack.published.slice(before.published).map((n) => n.topic);
    expect(topics).toEqual(['ops']);

    const listed = await stack.clients.s3.send(
      new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: 'rejected/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'rejected/missing fields.json',
        'rejected/missing fields.errors.json',
      ]),
    );
    const report = await stack.clients.s3.send(
      new GetObjectCommand({ Bucket: stack.bucket, Key: 'rejected/missing fields.errors.json' }),
    );
    const parsed = JSON.parse((await report.Body?.transformToString()) ?? '{}') as {
      errors: Array<{ path: string }>;
    };
    const paths = parsed.errors.map((e) => e.path);
    expect(paths.length).toBe(summary?.errors.length);

    const ops = (await stack.ops()).at(-1);
    expect(ops?.subject).toMatch(/reject/i);
    for (const path of paths.filter((p) => p !== '')) expect(ops?.text).toContain(path);
  });
});
