/**
 * The like-for-like floor for ingest's cold start (reported beside
 * `ingest.coldInitRatio`, whose floor is mjml alone): mjml rendering the
 * sample once, plus the same clients as ingest (S3, DynamoDB through the
 * document client, SNS, Scheduler) making the calls ingest made for a
 * statement, each after the call it waited for in ingest (bench/lib/ingest-calls.ts),
 * with the same inputs and as many body bytes. What is left between it and ingest is
 * Herald's own work: validation, the plain text and social copy, the ledger's
 * decisions, logging.
 *
 * The event is `{ id, calls }`: the recorded calls with the statement id left
 * as a placeholder, filled with `id` (a fresh statement per run).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import mjml2html from 'mjml';

declare const __FLOOR_MJML__: string;
declare const __FLOOR_MJML_OPTIONS__: Parameters<typeof mjml2html>[1];
declare const __FLOOR_ID_PLACEHOLDER__: string;

interface Call {
  service: string;
  command: string;
  input: Record<string, unknown>;
  /** It failed for ingest (a condition, say): it must fail here too. */
  failed: boolean;
  /** The index of the call it waited for in ingest, or -1. */
  after: number;
}

const s3 = new S3Client({});
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sns = new SNSClient({});
const scheduler = new SchedulerClient({});

/** A recorded input, as the command's own input type (it was made by that command). */
const as = <C extends abstract new (input: never) => unknown>(_: C, input: object) =>
  input as ConstructorParameters<C>[0];

const COMMANDS: Record<string, (input: object) => Promise<unknown>> = {
  's3.GetObject': async (i) => {
    const out = await s3.send(new GetObjectCommand(as(GetObjectCommand, i)));
    return out.Body?.transformToString();
  },
  's3.PutObject': (i) => s3.send(new PutObjectCommand(as(PutObjectCommand, i))),
  's3.HeadObject': (i) => s3.send(new HeadObjectCommand(as(HeadObjectCommand, i))),
  's3.CopyObject': (i) => s3.send(new CopyObjectCommand(as(CopyObjectCommand, i))),
  's3.DeleteObject': (i) => s3.send(new DeleteObjectCommand(as(DeleteObjectCommand, i))),
  'dynamodb.GetItem': (i) => ddb.send(new GetCommand(as(GetCommand, i))),
  'dynamodb.PutItem': (i) => ddb.send(new PutCommand(as(PutCommand, i))),
  'dynamodb.UpdateItem': (i) => ddb.send(new UpdateCommand(as(UpdateCommand, i))),
  'dynamodb.DeleteItem': (i) => ddb.send(new DeleteCommand(as(DeleteCommand, i))),
  'dynamodb.Query': (i) => ddb.send(new QueryCommand(as(QueryCommand, i))),
  'dynamodb.BatchGetItem': (i) => ddb.send(new BatchGetCommand(as(BatchGetCommand, i))),
  'sns.Publish': (i) => sns.send(new PublishCommand(as(PublishCommand, i))),
  'scheduler.CreateSchedule': (i) =>
    scheduler.send(new CreateScheduleCommand(as(CreateScheduleCommand, i))),
  'scheduler.DeleteSchedule': (i) =>
    scheduler.send(new DeleteScheduleCommand(as(DeleteScheduleCommand, i))),
};

export const handler = async (event: {
  id: string;
  calls: Call[];
}): Promise<{ calls: number; unlike: string[] }> => {
  const result = await mjml2html(__FLOOR_MJML__, __FLOOR_MJML_OPTIONS__);
  if (result.errors.length > 0) throw new Error(`MJML errors: ${result.errors.length}`);
  const calls = JSON.parse(
    JSON.stringify(event.calls).replaceAll(__FLOOR_ID_PLACEHOLDER__, event.id),
  ) as Call[];
  // Calls whose outcome differs from ingest's: the replay would not be like for like.
  const unlike: string[] = [];
  const done: Array<Promise<void>> = [];
  for (const call of calls) {
    const name = `${call.service}.${call.command}`;
    const run = COMMANDS[name];
    if (!run) throw new Error(`the ingest floor cannot replay ${name}`);
    const waitFor = call.after === -1 ? Promise.resolve() : done[call.after];
    if (!waitFor) throw new Error(`call ${name} waits for a call after it`);
    done.push(
      waitFor.then(async () => {
        const failed = await run(call.input).then(
          () => false,
          () => true,
        );
        if (failed !== call.failed) unlike.push(`${name} ${failed ? 'failed' : 'succeeded'}`);
      }),
    );
  }
  await Promise.all(done);
  return { calls: calls.length, unlike };
};
