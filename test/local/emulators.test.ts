import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { S3rverEventRecord } from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLedgerTable,
  createLocalClients,
  destroyLocalClients,
  type LocalClients,
} from '../../local/clients';
import {
  type RunningServer,
  type S3Emulator,
  startDynamo,
  startS3,
  startSes,
} from '../../local/emulators';
import { PortInUseError } from '../../local/errors';
import { Outbox } from '../../local/outbox';

let dir: string;
let s3: S3Emulator;
let ses: RunningServer;
let dynamo: RunningServer;
let clients: LocalClients;
const events: S3rverEventRecord[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-emulators-'));
  s3 = await startS3({ port: 0, directory: join(dir, 's3'), buckets: ['b'] });
  s3.onEvent((r) => events.push(r));
  ses = await startSes({ port: 0 });
  dynamo = await startDynamo({ port: 0 });
  clients = createLocalClients({ s3: s3.url, ses: ses.url, dynamodb: dynamo.url });
});

afterAll(async () => {
  destroyLocalClients(clients);
  await Promise.all([s3?.close(), ses?.close(), dynamo?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('emulators', () => {
  it('listen on loopback random ports', () => {
    for (const server of [s3, ses, dynamo]) {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.port).toBeGreaterThan(0);
    }
  });

  it('s3rver stores objects and emits events with the key unencoded', async () => {
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: 'b',
        Key: 'incoming/red flower.json',
        Body: Buffer.from('{}'),
      }),
    );
    const out = await clients.s3.send(
      new GetObjectCommand({ Bucket: 'b', Key: 'incoming/red flower.json' }),
    );
    expect(await out.Body?.transformToString()).toBe('{}');
    expect(events.map((e) => e.s3.object.key)).toContain('incoming/red flower.json');
  });

  it('dynalite serves the ledger table at once', async () => {
    await createLedgerTable(clients.dynamodb, 'ledger');
    await createLedgerTable(clients.dynamodb, 'ledger');
    await clients.ddb.send(
      new PutCommand({ TableName: 'ledger', Item: { pk: 'a', sk: 'b', v: 1 } }),
    );
    const got = await clients.ddb.send(
      new GetCommand({ TableName: 'ledger', Key: { pk: 'a', sk: 'b' } }),
    );
    expect(got.Item).toEqual({ pk: 'a', sk: 'b', v: 1 });
  });

  it('SES keeps the email in its store; the outbox keeps the raw message with its headers', async () => {
    const outbox = new Outbox(join(dir, 'outbox'));
    outbox.attach(clients.ses);
    const raw = [
      'From: Press <press@example.org>',
      'To: Amira <amira@example.co.uk>',
      'Subject: Hello',
      'X-Herald-Statement: test-statement; revision=1',
      'List-Unsubscribe: <http://127.0.0.1/unsubscribe?t=x>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Body',
    ].join('\r\n');
    await clients.ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } }));
    outbox.failNext({ recipient: 'amira@example.co.uk' });
    await expect(
      clients.ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } })),
    ).rejects.toThrow(/Injected SES failure/);
    expect(outbox.entries).toEqual([
      expect.objectContaining({
        id: 'test-statement',
        revision: 1,
        recipient: 'amira@example.co.uk',
        copy: 1,
      }),
    ]);
    const store = (await (await fetch(`${ses.url}/store`)).json()) as {
      emails: Array<{ subject: string; destination: { to: string[] } }>;
    };
    expect(store.emails.filter((e) => e.subject === 'Hello')).toHaveLength(1);
  });

  it('a taken port is one clear sentence naming the flag', async () => {
    await expect(startSes({ port: ses.port })).rejects.toThrow(
      new PortInUseError(ses.port, 'SES inbox', '--ses-port'),
    );
    await expect(startSes({ port: ses.port })).rejects.toThrow(
      `Port ${ses.port} is in use (SES inbox); stop the other program or pass --ses-port.`,
    );
    await expect(
      startS3({ port: s3.port, directory: join(dir, 's3b'), buckets: [] }),
    ).rejects.toThrow(/--s3-port/);
    await expect(startDynamo({ port: dynamo.port })).rejects.toThrow(/--dynamodb-port/);
  });
});
