/**
 * The floor for `send.coldInitRatio`: the work a send must do for one
 * journalist, and nothing else. The same four clients as send (S3, DynamoDB
 * through the document client, Secrets Manager, SES), one call each in the
 * order the design needs:
 *
 *   S3 GetObject (email.json) ∥ GetSecretValue ∥ BatchGet (suppression)
 *   → conditional Put (claim) → SendRawEmail → Update (mark sent)
 *
 * With FLOOR_LIFECYCLE=1 it also makes the calls the statement lifecycle and the
 * ops delivery report added to every batch (docs/architecture.md): the fence (a
 * strongly consistent read of the statement head, after the claim) and the
 * batch's conditional update of the revision's delivery tally. The bench
 * reports the ratio against both; the target is against the first.
 *
 * The message is the real sample email (inlined at bundle time), so the SES
 * emulator's parsing cost is the same on both sides of the ratio. It takes the
 * same SQS event as send (one SendBatch with one recipient).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

declare const __FLOOR_RAW_BASE64__: string;

const s3 = new S3Client({});
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const secrets = new SecretsManagerClient({});
const ses = new SESClient({ maxAttempts: 1 });
const raw = Buffer.from(__FLOOR_RAW_BASE64__, 'base64');
const table = process.env.LEDGER_TABLE ?? '';
const bucket = process.env.BUCKET_NAME ?? '';
const lifecycle = process.env.FLOOR_LIFECYCLE === '1';

interface Batch {
  id: string;
  revision: number;
  emailKey: string;
  recipients: Array<{ email: string }>;
}

export const handler = async (event: { Records: Array<{ body: string }> }) => {
  const batch = JSON.parse(event.Records[0]?.body ?? '{}') as Batch;
  const email = batch.recipients[0]?.email ?? '';
  const pk = `stmt#${batch.id}`;
  const sk = `sent#${batch.revision}#${email}`;
  const [object] = await Promise.all([
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: batch.emailKey })),
    secrets.send(new GetSecretValueCommand({ SecretId: process.env.UNSUBSCRIBE_SECRET_ARN })),
    ddb.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: [{ pk: `suppress#${email}`, sk: 'suppress' }],
            ProjectionExpression: 'pk',
          },
        },
      }),
    ),
  ]);
  JSON.parse((await object.Body?.transformToString()) ?? '{}');
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: { pk, sk, status: 'sending', leaseUntil: Date.now() + 300_000, attempts: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  if (lifecycle) {
    await ddb.send(
      new GetCommand({ TableName: table, Key: { pk, sk: 'head' }, ConsistentRead: true }),
    );
  }
  const out = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
  await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk, sk },
      UpdateExpression: 'SET #status = :sent, sesMessageId = :mid REMOVE leaseUntil',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'sent', ':mid': out.MessageId ?? '' },
    }),
  );
  if (lifecycle) {
    const runId = Date.now();
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk, sk: `tally#${batch.revision}` },
        UpdateExpression:
          'SET batchesDone = list_append(if_not_exists(batchesDone, :none), :batch) ADD emailed :one',
        ConditionExpression: 'NOT contains(batchesDone, :n)',
        // A new batch number per run: every cold start here is a different batch.
        ExpressionAttributeValues: { ':none': [], ':batch': [runId], ':n': runId, ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
  }
  return { batchItemFailures: [] };
};
