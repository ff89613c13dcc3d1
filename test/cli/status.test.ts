/**
 * `herald status`: the real CLI as a child process against dynalite on a random
 * port, with ledger items written by the real ledger modules.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideUpload, headAfter, type IncomingRevision } from '../../core/lifecycle';
import type { StatementStatus } from '../../core/status';
import { formatStatus, summariseStatement } from '../../core/status';
import {
  createDocumentClient,
  effectSk,
  type Ledger,
  statementPk,
} from '../../functions/shared/ledger/client';
import { type EffectRunner, runEffect } from '../../functions/shared/ledger/effects';
import { markRevisionComplete, putRevision } from '../../functions/shared/ledger/revisions';
import { claimSend, markRejected, markSent } from '../../functions/shared/ledger/sends';
import {
  commitRevision,
  recordReleased,
  withStatementLock,
} from '../../functions/shared/ledger/statements';
import { readStatementItems } from '../../functions/shared/ledger/status';
import { recordBatchDone, recordDispatched } from '../../functions/shared/ledger/tally';
import { createLogger } from '../../functions/shared/logger';
import { createLedgerTable } from '../../local/clients';
import { type RunningServer, startDynamo } from '../../local/emulators';
import { REPO, startTestStack } from '../helpers/local-stack';

const TABLE = 'herald-ledger-test';
const SHA1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const SHA2 = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';
const LIFT = '2024-02-21T00:01:00.000Z';
const noneCounted = { emailed: 0, suppressed: 0, superseded: 0, rejected: 0, already: 0 };

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/herald.mjs', ...args],
      { cwd: REPO, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s{4}at /m);
}

let dynamo: RunningServer;
let client: DynamoDBClient;
let ledger: Ledger;

function runnerAt(iso: string, leaseMs = 60_000): EffectRunner {
  const at = new Date(iso);
  return {
    ledger,
    clock: () => at,
    leaseUntil: () => new Date(at.getTime() + leaseMs),
    logger: createLogger({ logLevel: 'SILENT' }),
    owner: `test-${iso}`,
    sleep: async () => undefined,
  };
}

function lockAt(iso: string) {
  const runner = runnerAt(iso);
  return {
    owner: runner.owner,
    leaseUntil: runner.leaseUntil(),
    now: runner.clock,
    sleep: runner.sleep,
  };
}

/** A revision accepted by the real lifecycle and recorded as ingest records it. */
async function goAhead(
  incoming: IncomingRevision & { headline: string },
  upload: { sha256: string; sourceKey: string; sourceVersion: string | null; at: string },
): Promise<void> {
  const now = new Date(upload.at);
  await withStatementLock(ledger, incoming.id, lockAt(upload.at), async (lock) => {
    const decision = decideUpload(lock.head, incoming, { now, defaultTimezone: 'Europe/London' });
    if (decision.verdict !== 'accept') throw new Error(decision.issues[0]?.message);
    await putRevision(ledger, {
      id: incoming.id,
      revision: incoming.revision,
      sha256: upload.sha256,
      kind: decision.plan.kind,
      sourceKey: upload.sourceKey,
      sourceVersion: upload.sourceVersion,
      receivedAt: upload.at,
      plan: decision.plan,
      warnings: decision.warnings,
    });
    await commitRevision(ledger, lock, headAfter(lock.head, incoming.id, decision.plan), {
      headline: incoming.headline,
      sha256: upload.sha256,
      now,
    });
  });
}

async function released(id: string, revision: number, at: string): Promise<void> {
  await withStatementLock(ledger, id, lockAt(at), async (lock) => {
    const reached = lock.head?.reached ?? { pressTopics: null, partners: false, website: false };
    await recordReleased(ledger, lock, {
      revision,
      reached: { ...reached, website: true },
      now: new Date(at),
    });
  });
}

async function effect(
  id: string,
  revision: number,
  name: string,
  at: string,
  detail: Record<string, string> = {},
): Promise<void> {
  await runEffect(
    runnerAt(at),
    { pk: statementPk(id), sk: effectSk(revision, name), effect: name, revision },
    async () => detail,
  );
}

async function send(
  id: string,
  revision: number,
  email: string,
  outcome: 'sent' | 'sending' | 'rejected',
  at: string,
): Promise<void> {
  const now = new Date(at);
  expect(await claimSend(ledger, { id, revision, email, now, leaseMs: 60_000 })).toBe('claimed');
  if (outcome === 'sent')
    await markSent(ledger, { id, revision, email, sesMessageId: `ses-${email}`, now });
  if (outcome === 'rejected')
    await markRejected(ledger, { id, revision, email, reason: 'Address blacklisted', now });
}

/**
 * bscp-2024-02-scr: revision 1 embargoed, emailed and released at the lift;
 * revision 2 (a correction) stopped midway with a stalled partners marker.
 */
async function seedReleasedAndCorrected(): Promise<void> {
  const id = 'bscp-2024-02-scr';
  const received = '2024-02-20T09:00:00.000Z';
  await goAhead(
    {
      id,
      revision: 1,
      status: 'publish',
      headline: 'Publication of a Serious Case Review',
      embargo: { until: LIFT },
    },
    { sha256: SHA1, sourceKey: 'incoming/01-bscp.json', sourceVersion: 'v1', at: received },
  );
  await effect(id, 1, 'render', '2024-02-20T09:00:01.000Z', { prefix: 'rendered/x/1/' });
  await effect(id, 1, 'press', '2024-02-20T09:00:02.000Z', { messageId: 'm-press' });
  await effect(id, 1, 'partners', '2024-02-20T09:00:03.000Z', { messageId: 'm-partners' });
  await effect(id, 1, 'schedule', '2024-02-20T09:00:04.000Z', {
    scheduleName: 'herald-bscp-r1',
    at: LIFT,
  });
  await effect(id, 1, 'ops-summary', '2024-02-20T09:00:05.000Z');
  await markRevisionComplete(ledger, id, 1, new Date('2024-02-20T09:00:06.000Z'));
  for (const email of ['a@example.com', 'B@Example.com', 'c@example.com'])
    await send(id, 1, email, 'sent', '2024-02-20T09:01:00.000Z');
  await send(id, 1, 'd@example.com', 'sending', '2024-02-20T09:01:00.000Z');
  await send(id, 1, 'e@example.com', 'rejected', '2024-02-20T09:01:00.000Z');
  // Dispatch enqueued two press batches; send has finished one of them.
  const batchesAt = new Date('2024-02-20T09:01:00.000Z');
  await recordBatchDone(ledger, { id, revision: 1, batch: 1 }, noneCounted, batchesAt);
  await recordDispatched(
    ledger,
    { id, revision: 1, batches: 2, recipients: 5, suppressed: 0 },
    batchesAt,
  );

  const releasedAt = '2024-02-21T00:01:05.000Z';
  await effect(id, 1, 'release-files', releasedAt);
  await effect(id, 1, 'release-partners', releasedAt);
  await effect(id, 1, 'release-website', releasedAt);
  await released(id, 1, releasedAt);

  const corrected = '2024-02-22T10:00:00.000Z';
  await goAhead(
    {
      id,
      revision: 2,
      status: 'publish',
      headline: 'Publication of a Serious Case Review (corrected)',
    },
    {
      sha256: SHA2,
      sourceKey: 'incoming/05-bscp-correction.json',
      sourceVersion: 'v2',
      at: corrected,
    },
  );
  await effect(id, 2, 'unschedule', '2024-02-22T10:00:01.000Z', { cancelled: '0' });
  await effect(id, 2, 'render', '2024-02-22T10:00:02.000Z');
  await effect(id, 2, 'press', '2024-02-22T10:00:03.000Z');
  // An invocation that died after claiming the partners publish: the marker stays pending.
  await ledger.ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        pk: statementPk(id),
        sk: effectSk(2, 'partners'),
        effect: 'partners',
        revision: 2,
        status: 'pending',
        token: 'dead-invocation',
        claimedAt: '2024-02-22T10:00:04.000Z',
        leaseUntil: '2024-02-22T10:15:04.000Z',
      },
    }),
  );
  await send(id, 2, 'a@example.com', 'sent', '2024-02-22T10:01:00.000Z');
}

/** westmere-gritting: revision 1, embargoed until 2024-03-01 06:00 UTC, never released. */
async function seedEmbargoed(): Promise<void> {
  const id = 'westmere-gritting';
  const received = '2024-02-28T12:00:00.000Z';
  await goAhead(
    {
      id,
      revision: 1,
      status: 'publish',
      headline: 'Gritters ready for winter',
      embargo: { until: '2024-03-01T06:00:00.000Z' },
    },
    { sha256: SHA1, sourceKey: 'incoming/02-westmere.json', sourceVersion: null, at: received },
  );
  await effect(id, 1, 'render', received);
  await effect(id, 1, 'schedule', received, { at: '2024-03-01T06:00:00.000Z' });
  await markRevisionComplete(ledger, id, 1, new Date(received));
}

/** Twenty-five sends, so a small page size needs several pages. */
async function seedMany(): Promise<void> {
  const id = 'many-recipients';
  const at = '2024-02-20T09:00:00.000Z';
  await goAhead(
    { id, revision: 1, status: 'publish', headline: 'Many' },
    { sha256: SHA1, sourceKey: 'incoming/many.json', sourceVersion: null, at },
  );
  for (let i = 0; i < 25; i++) await send(id, 1, `reporter${i}@example.com`, 'sent', at);
  await goAhead(
    { id, revision: 2, status: 'withdraw', headline: 'Withdrawn' },
    { sha256: SHA2, sourceKey: 'incoming/many-withdrawn.json', sourceVersion: null, at },
  );
}

beforeAll(async () => {
  dynamo = await startDynamo({ port: 0 });
  client = new DynamoDBClient({
    region: 'eu-west-2',
    endpoint: dynamo.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ledger = { ddb: createDocumentClient(client), tableName: TABLE };
  await createLedgerTable(client, TABLE);
  await seedReleasedAndCorrected();
  await seedEmbargoed();
  await seedMany();
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

function statusArgs(id: string, ...extra: string[]): string[] {
  return ['status', id, '--table', TABLE, '--endpoint', dynamo.url, ...extra];
}

describe('herald status --json', () => {
  it('reports every revision: sha256, outcome, embargo and release, markers and emails', async () => {
    const result = await runCli(
      statusArgs('bscp-2024-02-scr', '--json', '--now', '2024-02-23T09:00:00Z'),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as StatementStatus & { table: string };
    expect(status).toMatchObject({
      table: TABLE,
      id: 'bscp-2024-02-scr',
      headline: 'Publication of a Serious Case Review (corrected)',
      latestRevision: 2,
      status: 'publish',
      state: 'processing',
      releasedRevision: 1,
      releasedAt: '2024-02-21T00:01:05.000Z',
    });
    const [first, second] = status.revisions;
    expect(status.revisions).toHaveLength(2);
    expect(first).toMatchObject({
      revision: 1,
      sha256: SHA1,
      receivedAt: '2024-02-20T09:00:00.000Z',
      sourceKey: 'incoming/01-bscp.json',
      outcome: 'published',
      complete: true,
      completedAt: '2024-02-20T09:00:06.000Z',
      embargo: {
        until: LIFT,
        display: '00:01 GMT, Wednesday 21 February 2024',
        lifted: true,
        released: true,
        releasedAt: '2024-02-21T00:01:05.000Z',
      },
      emails: { sent: 3, sending: 1, rejected: 1, possibleDuplicates: 0 },
    });
    expect(first?.effects.map((e) => [e.name, e.status])).toEqual([
      ['render', 'done'],
      ['press', 'done'],
      ['partners', 'done'],
      ['schedule', 'done'],
      ['ops-summary', 'done'],
      ['release-files', 'done'],
      ['release-partners', 'done'],
      ['release-website', 'done'],
    ]);
    expect(first?.effects.find((e) => e.name === 'press')).toMatchObject({
      doneAt: '2024-02-20T09:00:02.000Z',
      detail: { messageId: 'm-press' },
    });
    expect(second).toMatchObject({
      revision: 2,
      sha256: SHA2,
      outcome: 'corrected',
      complete: false,
      embargo: { until: null, display: null, lifted: true, released: false, releasedAt: null },
      emails: { sent: 1, sending: 0, rejected: 0, possibleDuplicates: 0 },
    });
    expect(second?.effects.find((e) => e.name === 'partners')).toMatchObject({
      status: 'pending',
      doneAt: null,
      stalled: true,
    });
  });

  it('tells an embargo still ahead from one that lifted without a release', async () => {
    const before = await runCli(
      statusArgs('westmere-gritting', '--json', '--now', '2024-02-29T12:00:00Z'),
    );
    expect(before.code).toBe(0);
    const ahead = JSON.parse(before.stdout) as StatementStatus;
    expect(ahead.state).toBe('embargoed');
    expect(ahead.revisions[0]?.embargo).toEqual({
      until: '2024-03-01T06:00:00.000Z',
      display: '06:00 GMT, Friday 1 March 2024',
      lifted: false,
      released: false,
      releasedAt: null,
    });

    const after = await runCli(
      statusArgs('westmere-gritting', '--json', '--now', '2024-03-01T07:00:00Z'),
    );
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as StatementStatus).state).toBe('release-overdue');
  });
});

describe('herald status (human report)', () => {
  it('prints a short readable report per revision', async () => {
    const result = await runCli(statusArgs('bscp-2024-02-scr', '--now', '2024-02-23T09:00:00Z'));
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('bscp-2024-02-scr: "Publication of a Serious Case Review (corrected)"');
    expect(out).toMatch(/Latest: revision 2 \(publish\), processing/);
    expect(out).toContain(`Revision 1: published, sha256 ${SHA1.slice(0, 12)}`);
    // Times in the statement's zone (its embargo's), as the email shows them.
    expect(out).toContain('Times are in Europe/London.');
    expect(out).toContain('received 09:00:00 GMT, Tuesday 20 February 2024');
    expect(out).toContain(
      'Embargo: until 00:01 GMT, Wednesday 21 February 2024 (lifted); released 00:01:05 GMT, Wednesday 21 February 2024',
    );
    expect(out).toContain('Journalists emailed: 3 sent, 1 sending, 1 rejected');
    expect(out).toContain('Press batches: 1 of 2 finished');
    expect(out).toMatch(/release-website\s+done 00:01:05 GMT, Wednesday 21 February 2024/);
    expect(out).toContain(`Revision 2: corrected (not finished), sha256 ${SHA2.slice(0, 12)}`);
    expect(out).toMatch(
      /partners\s+pending since 10:00:04 GMT, Thursday 22 February 2024 \(stalled/,
    );
    expect(out).not.toContain(SHA1);
  });

  it('says when the latest revision is embargoed and until when', async () => {
    const result = await runCli(statusArgs('westmere-gritting', '--now', '2024-02-29T12:00:00Z'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Latest: revision 1 (publish), embargoed until 06:00 GMT, Friday 1 March 2024.',
    );
    expect(result.stdout).toContain('(not yet lifted); not released');
  });
});

describe('herald status against the running local stack', () => {
  it('needs no table name: it reads the stack’s lock in the state folder', async () => {
    const stack = await startTestStack();
    try {
      await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
      await stack.drain();
      const result = await runCli([
        'status',
        'bscp-2024-02-scr',
        '--state-dir',
        stack.paths.stateDir,
        '--now',
        '2024-02-20T09:30:00Z',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        'Latest: revision 1 (publish), embargoed until 00:01 GMT, Wednesday 21 February 2024.',
      );
      expect(result.stdout).toContain('received 09:00:00 GMT, Tuesday 20 February 2024');
      expect(result.stdout).toContain('Journalists emailed: 4 sent, 0 sending, 0 rejected');
    } finally {
      await stack.stop();
    }
  });
});

describe('herald status failures', () => {
  it('exits 1 with a sentence for an id the ledger does not know', async () => {
    const result = await runCli(statusArgs('no-such-statement'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `herald: No statement with id "no-such-statement" in table ${TABLE}.\n`,
    );
  });

  it('exits 2 with a sentence when the table does not exist', async () => {
    const result = await runCli([
      'status',
      'bscp-2024-02-scr',
      '--table',
      'no-such-table',
      '--endpoint',
      dynamo.url,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^herald: Could not read the ledger table no-such-table: no such table in eu-west-2; check --table/,
    );
    expectNoStack(result.stderr);
  });

  it('exits 2 with a sentence when nothing listens at the endpoint', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        probe.close(() => resolve(port));
      });
    });
    const endpoint = `http://127.0.0.1:${closed}`;
    const result = await runCli([
      'status',
      'x-statement',
      '--table',
      TABLE,
      '--endpoint',
      endpoint,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `herald: Could not read the ledger table ${TABLE}: cannot connect to ${endpoint}`,
    );
    expectNoStack(result.stderr);
  });

  it('exits 2 with a sentence when AWS has no region or no credentials to use', async () => {
    const bare: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: '/nonexistent-home',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const noRegion = await runCli(['status', 'bscp-2024-02-scr', '--table', TABLE], bare);
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toBe(
      `herald: Could not read the ledger table ${TABLE}: no AWS region is set; pass --region or set AWS_REGION.\n`,
    );

    const noCredentials = await runCli(
      ['status', 'bscp-2024-02-scr', '--table', TABLE, '--region', 'eu-west-2'],
      bare,
    );
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toMatch(
      new RegExp(
        `^herald: Could not read the ledger table ${TABLE}: no AWS credentials were found`,
      ),
    );
    expectNoStack(noCredentials.stderr);
  });

  it('treats a missing --table (with no local stack running) or a bad --endpoint as a usage error (2), and --help as success', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'herald-no-stack-'));
    const noTable = await runCli(['status', 'bscp-2024-02-scr', '--state-dir', empty]);
    await rm(empty, { recursive: true, force: true });
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toBe(
      `herald: No --table given, and no local stack is running in ${empty} (start one with npm start). For the ledger in AWS, pass --table <LedgerTableName> (a stack output).\n`,
    );

    const badEndpoint = await runCli([
      'status',
      'x-statement',
      '--table',
      TABLE,
      '--endpoint',
      'localhost',
    ]);
    expect(badEndpoint.code).toBe(2);
    expect(badEndpoint.stderr).toBe(
      'herald: --endpoint must be a URL such as http://127.0.0.1:4567, not "localhost".\n',
    );

    const help = await runCli(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--table <name>');
    expect(help.stdout).toContain('LedgerTableName');
  });
});

describe('ledger status query and summary (in process)', () => {
  it('follows every page of a statement with more items than one page holds', async () => {
    const items = await readStatementItems(ledger, 'many-recipients', { pageSize: 4 });
    expect(items.head?.current?.status).toBe('withdraw');
    expect(items.revisions).toHaveLength(2);
    expect(items.sends).toHaveLength(25);
    const status = summariseStatement(items, new Date('2024-02-21T00:00:00Z'));
    expect(status?.state).toBe('withdrawn');
    expect(status?.revisions[0]?.emails).toEqual({
      sent: 25,
      sending: 0,
      rejected: 0,
      possibleDuplicates: 0,
    });
  });

  it('returns nothing for a statement with no items, and reports items without a head', () => {
    const now = new Date('2024-02-21T00:00:00Z');
    expect(
      summariseStatement({ id: 'x-1', head: null, revisions: [], effects: [], sends: [] }, now),
    ).toBeNull();
    const orphan = summariseStatement(
      {
        id: 'x-1',
        head: null,
        revisions: [],
        effects: [],
        sends: [{ sk: 'sent#0003#a@example.com', status: 'sending' }],
      },
      now,
    );
    expect(orphan?.state).toBeNull();
    expect(orphan?.revisions.map((r) => [r.revision, r.emails.sending])).toEqual([[3, 1]]);
    expect(formatStatus(orphan as StatementStatus)).toContain('No statement head');
  });
});
