/**
 * The delivery tally (functions/shared/ledger/tally.ts) against dynalite, for
 * DynamoDB's own semantics of its one conditional update (`contains` on a
 * missing list, `list_append` with `if_not_exists`, `ADD`, `ALL_NEW`), which
 * the in-memory fake only imitates; and the delivery report built on it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteBatchDone, noteDispatched } from '../../functions/shared/delivery-report';
import { createDocumentClient, type Ledger } from '../../functions/shared/ledger/client';
import type { EffectRunner } from '../../functions/shared/ledger/effects';
import {
  type BatchCounts,
  isDelivered,
  recordBatchDone,
  recordDispatched,
} from '../../functions/shared/ledger/tally';
import { createLogger } from '../../functions/shared/logger';
import type { Publisher } from '../../functions/shared/ports';
import { createLedgerTable } from '../../local/clients';
import { type RunningServer, startDynamo } from '../../local/emulators';

const TABLE = 'herald-tally-test';
const NOW = new Date('2024-02-21T00:05:00Z');
const counts = (emailed: number, extra: Partial<BatchCounts> = {}): BatchCounts => ({
  emailed,
  suppressed: 0,
  superseded: 0,
  rejected: 0,
  already: 0,
  ...extra,
});

let dynamo: RunningServer;
let ledger: Ledger;

beforeAll(async () => {
  dynamo = await startDynamo({ port: 0 });
  const client = new DynamoDBClient({
    region: 'eu-west-2',
    endpoint: dynamo.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ledger = { ddb: createDocumentClient(client), tableName: TABLE };
  await createLedgerTable(client, TABLE);
});

afterAll(async () => {
  await dynamo.close();
});

describe('the delivery tally in DynamoDB', () => {
  it('counts each batch once however often it is delivered, and knows when the last is done', async () => {
    const ref = { id: 'tally-once', revision: 1 };
    const first = await recordBatchDone(ledger, { ...ref, batch: 1 }, counts(50), NOW);
    expect(first.batchesDone).toEqual([1]);
    expect(isDelivered(first)).toBe(false);

    // A redelivery of batch 1 (its counts must not be added again), then batch 2.
    const again = await recordBatchDone(ledger, { ...ref, batch: 1 }, counts(50), NOW);
    expect(again.emailed).toBe(50);
    const second = await recordBatchDone(
      ledger,
      { ...ref, batch: 2 },
      counts(7, { suppressed: 2, already: 1 }),
      NOW,
    );
    expect(second).toMatchObject({ batchesDone: [1, 2], emailed: 57, suppressed: 2, already: 1 });
    expect(isDelivered(second)).toBe(false);

    const dispatched = await recordDispatched(
      ledger,
      { ...ref, batches: 2, recipients: 60, suppressed: 3 },
      NOW,
    );
    expect(dispatched).toMatchObject({ expectedBatches: 2, recipients: 60, dispatchSuppressed: 3 });
    expect(isDelivered(dispatched)).toBe(true);

    // A redelivered press job keeps the first record.
    const redispatched = await recordDispatched(
      ledger,
      { ...ref, batches: 5, recipients: 99, suppressed: 0 },
      NOW,
    );
    expect(redispatched).toMatchObject({ expectedBatches: 2, recipients: 60 });
  });

  it('sends the ops report once, from whichever finishes last, with the counts of every batch', async () => {
    const published: Array<{ topic: string; subject: string; body: string }> = [];
    const publisher: Publisher = {
      publish: async (message) => {
        published.push({
          topic: message.topic,
          subject: message.subject ?? '',
          body: message.body,
        });
        return { messageId: `m-${published.length}` };
      },
    };
    const runner: EffectRunner = {
      ledger,
      clock: () => NOW,
      leaseUntil: () => new Date(NOW.getTime() + 60_000),
      logger: createLogger({ logLevel: 'SILENT' }),
      owner: 'tally-test',
      sleep: async () => undefined,
    };
    const ref = { id: 'tally-report', revision: 2 };

    await noteDispatched(runner, publisher, { ...ref, batches: 2, recipients: 4, suppressed: 1 });
    await noteBatchDone(runner, publisher, { ...ref, batch: 2 }, counts(0, { superseded: 1 }));
    expect(published).toEqual([]);
    // Batch 1 delivered twice at once: one of them completes the tally. The other may find
    // the report in progress and fail (SQS then redelivers it), never send it again.
    await Promise.allSettled([
      noteBatchDone(runner, publisher, { ...ref, batch: 1 }, counts(0, { suppressed: 1 })),
      noteBatchDone(runner, publisher, { ...ref, batch: 1 }, counts(0, { suppressed: 1 })),
    ]);
    await noteBatchDone(runner, publisher, { ...ref, batch: 2 }, counts(0, { superseded: 1 }));

    expect(published).toHaveLength(1);
    expect(published[0]?.subject).toBe('Herald: delivered tally-report r2 to the press');
    expect(published[0]?.body).toContain('Chosen from the press list and earlier recipients: 4');
    expect(published[0]?.body).toContain(
      'Not emailed, suppressed (unsubscribed, bounced or complained): 2',
    );
    expect(published[0]?.body).toContain('Not emailed, replaced by a newer revision first: 1');
  });
});
