/**
 * One bench "account": s3rver (bucket) and dynalite (ledger table) from the
 * local stack's emulators, the SES emulator in a child process, and the stub
 * for APIs without an emulator. Returns SDK clients for this process and the
 * env a Lambda bundle needs to reach the same endpoints.
 */
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLedgerTable, createLocalClients, destroyLocalClients } from '../../local/clients';
import { startDynamo, startS3 } from '../../local/emulators';
import { type AwsStub, startAwsStub } from './aws-stub';
import { awsEnv, type SesEmulator, type SesOptions, startSesChild } from './emulators';
import type { BenchContext } from './types';

export const BUCKET = 'herald-bench';
export const TABLE = 'herald-bench-ledger';
export const UNSUBSCRIBE_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-2:000000000000:secret:herald-unsubscribe';
export const UNSUBSCRIBE_SECRET = 'bench-unsubscribe-secret-0123456789abcdef';

export interface BenchAws {
  s3: S3Client;
  ses: SESClient;
  ddb: DynamoDBDocumentClient;
  sesEmulator: SesEmulator;
  stub: AwsStub;
  /** AWS_* variables pointing a child's SDK v3 clients at the same endpoints. */
  env: Record<string, string>;
  put(key: string, body: string | Buffer): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchAws(
  ctx: BenchContext,
  name: string,
  ses: SesOptions = {},
): Promise<BenchAws> {
  const started: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
  };
  try {
    const s3e = await startS3({
      port: 0,
      directory: join(ctx.tmpDir, `s3-${name}`),
      buckets: [BUCKET],
    });
    started.push(() => s3e.close());
    const ddbe = await startDynamo({ port: 0 });
    started.push(() => ddbe.close());
    const sesEmulator = await startSesChild(ctx.buildDir, ctx.root, ses);
    started.push(() => sesEmulator.stop());
    const stub = await startAwsStub({ [UNSUBSCRIBE_SECRET_ARN]: UNSUBSCRIBE_SECRET });
    started.push(() => stub.stop());
    const clients = createLocalClients({ s3: s3e.url, ses: sesEmulator.url, dynamodb: ddbe.url });
    started.push(async () => destroyLocalClients(clients));
    await createLedgerTable(clients.dynamodb, TABLE);
    return {
      s3: clients.s3,
      ses: clients.ses,
      ddb: clients.ddb,
      sesEmulator,
      stub,
      env: awsEnv({ s3: s3e.url, dynamodb: ddbe.url, ses: sesEmulator.url, stub: stub.url }),
      put: async (key, body) => {
        await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
