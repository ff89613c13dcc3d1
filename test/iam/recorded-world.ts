/**
 * Real SDK clients for handler-level permission tests: each has the call
 * recorder attached (functions/shared/aws-call-recorder.ts) and is answered by
 * the in-memory fakes in test/helpers (FakeBucket, FakeTable) or by a small
 * in-process stand-in (SNS, SQS, Scheduler, Secrets Manager, SES).
 *
 * Why not attach the recorder to FakeBucket's client directly: aws-sdk-client-mock
 * replaces `client.send`, so a mocked client never runs its middleware. Here
 * the handler's client runs its middleware stack (the recorder first), and a
 * last `initialize` middleware hands the command to the fake instead of the
 * network, so what is recorded is exactly what the handler sent.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { HeraldError } from '../../core/errors';
import { type AwsCallRecord, recordAwsCalls } from '../../functions/shared/aws-call-recorder';
import { createDocumentClient } from '../../functions/shared/ledger/client';
import { createFakeDynamo, type FakeDynamo } from '../helpers/fake-dynamo';
import { FakeBucket } from '../helpers/herald-fakes';

type Input = Record<string, unknown>;
export type Answer = (command: string, input: Input) => Promise<object>;

/** The stand-in has no answer for this command (the handler started using a new one). */
export class NotFakedError extends HeraldError {
  override name = 'NotFakedError';
}

/** The part of an SDK client the answering middleware needs (structural, like the recorder's). */
interface AnswerableClient {
  readonly middlewareStack: {
    add(
      middleware: (
        next: unknown,
        context: { commandName?: string },
      ) => (args: { input: object }) => Promise<{ output: object }>,
      options: { step: 'initialize'; priority: 'low'; name: string; override: boolean },
    ): void;
  };
}

/** Answers every command at the end of the `initialize` step, after the recorder ran. */
export function answerWith(client: AnswerableClient, answer: Answer): void {
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      const output = await answer(command, args.input as Input);
      return { output: { $metadata: {}, ...output } };
    },
    { step: 'initialize', priority: 'low', name: 'heraldFakeAnswer', override: true },
  );
}

function text(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string') throw new NotFakedError(`the command has no ${name}`);
  return value;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const CLIENT_CONFIG = { region: 'eu-west-2', credentials: CREDENTIALS };

export interface PublishedMessage {
  topicArn: string;
  body: string;
  attributes: Input | undefined;
}

export interface FunctionClients {
  s3: S3Client;
  ddb: DynamoDBDocumentClient;
  sns: SNSClient;
  sqs: SQSClient;
  scheduler: SchedulerClient;
  secrets: SecretsManagerClient;
  ses: SESClient;
}

/** One fake AWS account: storage, messages sent, and every call each function made. */
export class RecordedWorld {
  readonly calls: AwsCallRecord[] = [];
  readonly bucket = new FakeBucket();
  readonly dynamo: FakeDynamo = createFakeDynamo();
  readonly published: PublishedMessage[] = [];
  readonly queued: { queueUrl: string; body: string }[] = [];
  readonly schedules = new Map<string, Input>();
  readonly emails: { configurationSet: string | undefined }[] = [];

  constructor(private readonly secretValue: string) {}

  /** Fresh clients for one function, every call recorded under its name. */
  clientsFor(functionName: string): FunctionClients {
    const s3 = new S3Client({ ...CLIENT_CONFIG, forcePathStyle: true });
    const dynamo = new DynamoDBClient(CLIENT_CONFIG);
    const sns = new SNSClient(CLIENT_CONFIG);
    const sqs = new SQSClient(CLIENT_CONFIG);
    const scheduler = new SchedulerClient(CLIENT_CONFIG);
    const secrets = new SecretsManagerClient(CLIENT_CONFIG);
    const ses = new SESClient(CLIENT_CONFIG);
    for (const client of [s3, dynamo, sns, sqs, scheduler, secrets, ses]) {
      recordAwsCalls(client, functionName, this.calls);
    }
    answerWith(s3, (command, input) => this.s3(command, input));
    answerWith(dynamo, (command, input) => this.ddb(command, input));
    answerWith(sns, async (command, input) => this.sns(command, input));
    answerWith(sqs, async (command, input) => this.sqs(command, input));
    answerWith(scheduler, async (command, input) => this.scheduler(command, input));
    answerWith(secrets, async () => ({ SecretString: this.secretValue }));
    answerWith(ses, async (_command, input) => {
      const set = input.ConfigurationSetName;
      this.emails.push({ configurationSet: typeof set === 'string' ? set : undefined });
      return { MessageId: `ses-${this.emails.length}` };
    });
    return { s3, ddb: createDocumentClient(dynamo), sns, sqs, scheduler, secrets, ses };
  }

  /** Bodies published to a topic, parsed. */
  messagesOn<T>(topicArn: string): T[] {
    return this.published
      .filter((m) => m.topicArn === topicArn)
      .map((m) => JSON.parse(m.body) as T);
  }

  private async s3(command: string, input: Input): Promise<object> {
    const client = this.bucket.client;
    const Bucket = text(input, 'Bucket');
    const Key = text(input, 'Key');
    switch (command) {
      case 'GetObject': {
        const version = input.VersionId;
        return client.send(
          new GetObjectCommand({
            Bucket,
            Key,
            ...(typeof version === 'string' ? { VersionId: version } : {}),
          }),
        );
      }
      case 'PutObject': {
        const body = input.Body;
        if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
          throw new NotFakedError('FakeBucket takes string or byte bodies');
        }
        const type = input.ContentType;
        return client.send(
          new PutObjectCommand({
            Bucket,
            Key,
            Body: body,
            ...(typeof type === 'string' ? { ContentType: type } : {}),
          }),
        );
      }
      case 'CopyObject':
        return client.send(
          new CopyObjectCommand({ Bucket, Key, CopySource: text(input, 'CopySource') }),
        );
      default:
        throw new NotFakedError(`FakeBucket does not answer ${command}`);
    }
  }

  private async ddb(command: string, input: Input): Promise<object> {
    const client = this.dynamo.client;
    switch (command) {
      case 'GetItem':
        return client.send(new GetCommand(input as GetCommandInput));
      case 'PutItem':
        return client.send(new PutCommand(input as PutCommandInput));
      case 'UpdateItem':
        return client.send(new UpdateCommand(input as UpdateCommandInput));
      case 'DeleteItem':
        return client.send(new DeleteCommand(input as DeleteCommandInput));
      case 'Query':
        return client.send(new QueryCommand(input as QueryCommandInput));
      case 'BatchGetItem':
        return client.send(new BatchGetCommand(input as BatchGetCommandInput));
      default:
        throw new NotFakedError(`FakeTable does not answer ${command}`);
    }
  }

  private sns(command: string, input: Input): object {
    if (command !== 'Publish')
      throw new NotFakedError(`the SNS stand-in does not answer ${command}`);
    this.published.push({
      topicArn: String(input.TopicArn),
      body: String(input.Message),
      attributes: input.MessageAttributes as Input | undefined,
    });
    return { MessageId: `sns-${this.published.length}` };
  }

  private sqs(command: string, input: Input): object {
    if (command !== 'SendMessageBatch') {
      throw new NotFakedError(`the SQS stand-in does not answer ${command}`);
    }
    const entries = (input.Entries as { Id: string; MessageBody: string }[] | undefined) ?? [];
    for (const entry of entries) {
      this.queued.push({ queueUrl: String(input.QueueUrl), body: entry.MessageBody });
    }
    // The SQS client checks each body's MD5 (the SDK's middleware-sdk-sqs), as against SQS.
    const md5 = (body: string) => createHash('md5').update(body).digest('hex');
    return {
      Successful: entries.map((e) => ({
        Id: e.Id,
        MessageId: e.Id,
        MD5OfMessageBody: md5(e.MessageBody),
      })),
      Failed: [],
    };
  }

  private scheduler(command: string, input: Input): object {
    const name = String(input.Name);
    if (command === 'CreateSchedule') {
      this.schedules.set(name, input);
      return { ScheduleArn: name };
    }
    if (command === 'DeleteSchedule') {
      if (!this.schedules.delete(name)) {
        throw Object.assign(new Error(`Schedule ${name} does not exist.`), {
          name: 'ResourceNotFoundException',
        });
      }
      return {};
    }
    throw new NotFakedError(`the Scheduler stand-in does not answer ${command}`);
  }
}
