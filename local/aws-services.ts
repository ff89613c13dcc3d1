/**
 * SNS, SQS, EventBridge Scheduler and Secrets Manager, answered in process.
 *
 * The functions get real SDK clients for these services (SNSClient, SQSClient,
 * SchedulerClient, SecretsManagerClient) and call them exactly as in AWS, through
 * functions/shared/aws-ports.ts and secrets.ts. Middleware on those clients
 * (local/aws-clients.ts) hands each command to a responder here, which checks the request
 * the way the service would (an unknown topic, queue, schedule or secret is the service's
 * own exception class, so the adapters' error handling runs too) and returns the
 * SDK-shaped output. No HTTP is involved: there is no emulator for these four that runs
 * in process and keeps filter policies, redelivery and a movable clock, so the local
 * SNS router, queues and scheduler do that work and these responders are their API.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  ConflictException,
  ResourceNotFoundException as ScheduleNotFoundException,
  type ServiceOutputTypes as SchedulerOutput,
  ValidationException as SchedulerValidationException,
} from '@aws-sdk/client-scheduler';
import {
  ResourceNotFoundException as SecretNotFoundException,
  InvalidParameterException as SecretsInvalidParameterException,
  type ServiceOutputTypes as SecretsManagerOutput,
} from '@aws-sdk/client-secrets-manager';
import {
  InvalidParameterException,
  NotFoundException,
  type ServiceOutputTypes as SnsOutput,
} from '@aws-sdk/client-sns';
import {
  BatchEntryIdsNotDistinct,
  EmptyBatchRequest,
  InvalidBatchEntryId,
  QueueDoesNotExist,
  SQSServiceException,
  type ServiceOutputTypes as SqsOutput,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import type { ResponseMetadata } from '@smithy/types';
import * as z from 'zod';
import type { TopicName } from '../functions/shared/ports';
import { LocalStackError } from './errors';
import { SCHEDULE_GROUP, scheduleArn, TOPIC_NAMES, topicArn } from './names';
import type { LocalQueue } from './queues';
import type { LocalScheduler } from './scheduler';
import type { LocalSnsRouter } from './sns-router';

/** Answers one command of one service: the command's name without `Command`, and its input. */
export type Responder<Output> = (command: string, input: unknown) => Promise<Output>;

/** A command Herald's functions do not use reached a local service. */
export class UnsupportedLocalCommandError extends LocalStackError {
  override name = 'UnsupportedLocalCommandError';
  constructor(service: string, command: string) {
    super(
      `The local ${service} does not answer ${command}; add it to local/aws-services.ts if a function needs it.`,
    );
  }
}

export interface LocalSecret {
  arn: string;
  name: string;
  value: string;
}

export interface InProcessAwsOptions {
  router: LocalSnsRouter;
  queues: readonly LocalQueue[];
  scheduler: LocalScheduler;
  secrets: readonly LocalSecret[];
}

/** SNS: 256 KiB per message, counting attribute names, types and values. */
const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SQS: 10 entries per batch; ids of letters, digits, `-` and `_`, up to 80. */
const SQS_BATCH_LIMIT = 10;
const SQS_BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

const publishInput = z.object({
  TopicArn: z.string({ error: 'TopicArn is required (Herald publishes to topics only)' }),
  Message: z.string(),
  Subject: z
    .string()
    .max(100)
    .regex(/^[^\p{Cc}]+$/u, 'must not contain line breaks or control characters')
    .optional(),
  MessageAttributes: z
    .record(
      z.string(),
      z.object({
        DataType: z.enum(['String', 'String.Array', 'Number']),
        StringValue: z.string(),
      }),
    )
    .optional(),
});

const sendMessageBatchInput = z.object({
  QueueUrl: z.string(),
  Entries: z.array(z.object({ Id: z.string(), MessageBody: z.string() })),
});

const createScheduleInput = z.object({
  Name: z.string().regex(/^[0-9a-zA-Z-_.]{1,64}$/, 'must be 1-64 of [0-9a-zA-Z-_.]'),
  GroupName: z.string().optional(),
  ScheduleExpression: z.string(),
  ScheduleExpressionTimezone: z.string().optional(),
  FlexibleTimeWindow: z.object({ Mode: z.enum(['OFF', 'FLEXIBLE']) }),
  Target: z.object({ Arn: z.string(), RoleArn: z.string(), Input: z.string().optional() }),
});

const deleteScheduleInput = z.object({ Name: z.string(), GroupName: z.string().optional() });

const getSecretValueInput = z.object({ SecretId: z.string() });

/** `at(yyyy-mm-ddThh:mm:ss)`, the one-time form Herald uses. */
const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

function metadata(): ResponseMetadata {
  return { httpStatusCode: 200, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
}

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
}

export class InProcessAws {
  private readonly topics: ReadonlyMap<string, TopicName>;
  private readonly queues: ReadonlyMap<string, LocalQueue>;
  /** The target ARN of each schedule, by schedule name. */
  private readonly targets = new Map<string, string>();

  constructor(private readonly options: InProcessAwsOptions) {
    this.topics = new Map(TOPIC_NAMES.map((t) => [topicArn(t), t]));
    this.queues = new Map(options.queues.map((q) => [q.url, q]));
  }

  /** The function ARN a schedule invokes (recorded at CreateSchedule). */
  scheduleTarget(name: string): string | undefined {
    return this.targets.get(name);
  }

  readonly sns: Responder<SnsOutput> = async (command, input) => {
    if (command !== 'Publish') throw new UnsupportedLocalCommandError('SNS', command);
    const parsed = publishInput.safeParse(input);
    if (!parsed.success) {
      throw new InvalidParameterException({
        message: `Invalid parameter: ${problems(parsed.error)}`,
        $metadata: metadata(),
      });
    }
    const request = parsed.data;
    const topic = this.topics.get(request.TopicArn);
    if (!topic) {
      throw new NotFoundException({
        message: `Topic does not exist: ${request.TopicArn}`,
        $metadata: metadata(),
      });
    }
    const attributes = request.MessageAttributes ?? {};
    const size =
      Buffer.byteLength(request.Message) +
      Object.entries(attributes).reduce(
        (sum, [name, a]) =>
          sum +
          Buffer.byteLength(name) +
          Buffer.byteLength(a.DataType) +
          Buffer.byteLength(a.StringValue),
        0,
      );
    if (size > SNS_MAX_MESSAGE_BYTES) {
      throw new InvalidParameterException({
        message: `Invalid parameter: Message too long (${size} bytes with attributes; the limit is ${SNS_MAX_MESSAGE_BYTES})`,
        $metadata: metadata(),
      });
    }
    const { messageId } = await this.options.router.publish({
      topic,
      body: request.Message,
      attributes,
      ...(request.Subject === undefined ? {} : { subject: request.Subject }),
    });
    return { MessageId: messageId, $metadata: metadata() };
  };

  readonly sqs: Responder<SqsOutput> = async (command, input) => {
    if (command !== 'SendMessageBatch') throw new UnsupportedLocalCommandError('SQS', command);
    const parsed = sendMessageBatchInput.safeParse(input);
    if (!parsed.success) {
      throw new SQSServiceException({
        name: 'MissingParameter',
        $fault: 'client',
        message: problems(parsed.error),
        $metadata: metadata(),
      });
    }
    const { QueueUrl, Entries } = parsed.data;
    const queue = this.queues.get(QueueUrl);
    if (!queue) {
      throw new QueueDoesNotExist({
        message: `The specified queue does not exist: ${QueueUrl}`,
        $metadata: metadata(),
      });
    }
    if (Entries.length === 0) {
      throw new EmptyBatchRequest({
        message: 'The batch request contains no entries.',
        $metadata: metadata(),
      });
    }
    if (Entries.length > SQS_BATCH_LIMIT) {
      throw new TooManyEntriesInBatchRequest({
        message: `Maximum number of entries per request are ${SQS_BATCH_LIMIT}. You have sent ${Entries.length}.`,
        $metadata: metadata(),
      });
    }
    const badId = Entries.find((e) => !SQS_BATCH_ID.test(e.Id));
    if (badId) {
      throw new InvalidBatchEntryId({
        message: `A batch entry id can only contain alphanumeric characters, hyphens and underscores: "${badId.Id}"`,
        $metadata: metadata(),
      });
    }
    if (new Set(Entries.map((e) => e.Id)).size !== Entries.length) {
      throw new BatchEntryIdsNotDistinct({
        message: 'Two or more batch entries have the same Id.',
        $metadata: metadata(),
      });
    }
    const ids = queue.send(Entries.map((e) => e.MessageBody));
    return {
      Successful: Entries.map((entry, i) => ({
        Id: entry.Id,
        MessageId: ids[i] ?? randomUUID(),
        MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
      })),
      Failed: [],
      $metadata: metadata(),
    };
  };

  readonly scheduler: Responder<SchedulerOutput> = async (command, input) => {
    const { scheduler } = this.options;
    if (command === 'CreateSchedule') {
      const parsed = createScheduleInput.safeParse(input);
      if (!parsed.success) {
        throw new SchedulerValidationException({
          message: problems(parsed.error),
          Message: problems(parsed.error),
          $metadata: metadata(),
        });
      }
      const request = parsed.data;
      const group = this.group(request.GroupName);
      const at = AT_EXPRESSION.exec(request.ScheduleExpression)?.[1];
      if (at === undefined || (request.ScheduleExpressionTimezone ?? 'UTC') !== 'UTC') {
        throw new LocalStackError(
          `The local scheduler runs one-time at() schedules in UTC only, not "${request.ScheduleExpression}" (${request.ScheduleExpressionTimezone}).`,
        );
      }
      if (scheduler.has(request.Name)) {
        const message = `Schedule ${request.Name} already exists.`;
        throw new ConflictException({ message, Message: message, $metadata: metadata() });
      }
      this.targets.set(request.Name, request.Target.Arn);
      await scheduler.create({
        name: request.Name,
        at: new Date(`${at}Z`).toISOString(),
        payload: request.Target.Input ?? '{}',
      });
      return { ScheduleArn: scheduleArn(group, request.Name), $metadata: metadata() };
    }
    if (command === 'DeleteSchedule') {
      const parsed = deleteScheduleInput.safeParse(input);
      if (!parsed.success) {
        const message = problems(parsed.error);
        throw new SchedulerValidationException({
          message,
          Message: message,
          $metadata: metadata(),
        });
      }
      this.group(parsed.data.GroupName);
      if (!scheduler.has(parsed.data.Name)) {
        const message = `Schedule ${parsed.data.Name} does not exist.`;
        throw new ScheduleNotFoundException({ message, Message: message, $metadata: metadata() });
      }
      await scheduler.delete(parsed.data.Name);
      return { $metadata: metadata() };
    }
    throw new UnsupportedLocalCommandError('EventBridge Scheduler', command);
  };

  readonly secretsManager: Responder<SecretsManagerOutput> = async (command, input) => {
    if (command !== 'GetSecretValue') {
      throw new UnsupportedLocalCommandError('Secrets Manager', command);
    }
    const parsed = getSecretValueInput.safeParse(input);
    if (!parsed.success) {
      throw new SecretsInvalidParameterException({
        message: problems(parsed.error),
        $metadata: metadata(),
      });
    }
    const id = parsed.data.SecretId;
    const secret = this.options.secrets.find((s) => s.arn === id || s.name === id);
    if (!secret) {
      throw new SecretNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: metadata(),
      });
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.value,
      VersionId: 'local-current',
      VersionStages: ['AWSCURRENT'],
      $metadata: metadata(),
    };
  };

  /** The schedule group, which must exist (the default group is `default`). */
  private group(name: string | undefined): string {
    const group = name ?? 'default';
    if (group !== SCHEDULE_GROUP) {
      const message = `Schedule group ${group} does not exist.`;
      throw new ScheduleNotFoundException({ message, Message: message, $metadata: metadata() });
    }
    return group;
  }
}
