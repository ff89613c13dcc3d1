/**
 * From a recorded SDK command to the IAM request(s) AWS authorises for it:
 * the action and the resource ARN, plus the request context a policy condition
 * may test (`iam:PassedToService`, `kms:ViaService`, `s3:prefix`).
 *
 * Written by hand because no maintained library maps SDK v3 commands to IAM
 * requests with their resources (the Service Authorization Reference lists
 * actions per resource type, not which fields of a command name the resource).
 * Kept to the commands Herald uses; anything else throws UnknownAwsCallError so
 * a new call cannot pass the check unexamined.
 */
import { HeraldError } from '../../core/errors';
import type { AwsCallRecord } from '../../functions/shared/aws-call-recorder';

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context keys policy conditions may test. */
  readonly context?: Readonly<Record<string, string>>;
  /** Why the call needs this request when it is not the obvious one. */
  readonly because?: string;
}

/** What the mapping needs to know about the deployment (the evaluator reads it from the template). */
export interface ResourceFacts {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The KMS key ARN a topic is encrypted with, if any. */
  topicKey(topicArn: string): string | undefined;
  /** The ARN of the queue at this URL. */
  queueArn(queueUrl: string): string;
  /** The KMS key ARN a queue is encrypted with, if any. */
  queueKey(queueArn: string): string | undefined;
  /** The full ARN of a secret given by name or partial ARN. */
  secretArn(secretId: string): string;
  /** The verified SES identity (domain or address) this function sends as. */
  sesIdentity(call: AwsCallRecord): string;
}

/** A command the mapping does not know: add it here (with its IAM request) before using it. */
export class UnknownAwsCallError extends HeraldError {
  override name = 'UnknownAwsCallError';
  constructor(readonly call: AwsCallRecord) {
    super(
      `${call.function} called ${call.service}:${call.command}, which test/iam/requests.ts does not map to IAM requests yet; add it there with the action and resource AWS checks`,
    );
  }
}

/** A recorded command lacks a field the mapping needs (a bug in the caller or the recorder). */
export class CallShapeError extends HeraldError {
  override name = 'CallShapeError';
}

export function iamRequestsFor(call: AwsCallRecord, facts: ResourceFacts): IamRequest[] {
  const handler = HANDLERS[call.service]?.[call.command];
  if (handler === undefined) throw new UnknownAwsCallError(call);
  return handler(new Input(call), facts);
}

type Mapper = (input: Input, facts: ResourceFacts) => IamRequest[];

/** Typed reads of a recorded input, failing with the call named. */
class Input {
  constructor(readonly call: AwsCallRecord) {}
  string(name: string): string {
    const value = this.call.input[name];
    if (typeof value !== 'string' || value === '') {
      throw new CallShapeError(
        `${this.call.function} ${this.call.service}:${this.call.command} has no ${name}`,
      );
    }
    return value;
  }
  optionalString(name: string): string | undefined {
    const value = this.call.input[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  }
  record(name: string): Record<string, unknown> {
    const value = this.call.input[name];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CallShapeError(
        `${this.call.function} ${this.call.service}:${this.call.command} has no ${name}`,
      );
    }
    return value as Record<string, unknown>;
  }
  list(name: string): unknown[] {
    const value = this.call.input[name];
    return Array.isArray(value) ? value : [];
  }
}

// ── S3 ───────────────────────────────────────────────────────────────────────

const objectArn = (f: ResourceFacts, bucket: string, key: string) =>
  `arn:${f.partition}:s3:::${bucket}/${key}`;
const bucketArn = (f: ResourceFacts, bucket: string) => `arn:${f.partition}:s3:::${bucket}`;

/** GetObject/HeadObject: a version id needs GetObjectVersion; "no such key" needs ListBucket. */
const readObject: Mapper = (input, f) => {
  const bucket = input.string('Bucket');
  const key = input.string('Key');
  const versioned = input.optionalString('VersionId') !== undefined;
  const requests: IamRequest[] = [
    {
      action: versioned ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(f, bucket, key),
    },
  ];
  if (['NoSuchKey', 'NotFound', 'NoSuchVersion'].includes(input.call.error ?? '')) {
    requests.push({
      action: 's3:ListBucket',
      resource: bucketArn(f, bucket),
      context: { 's3:prefix': key },
      because: `the code relies on S3 answering ${input.call.error} for a missing key; without s3:ListBucket S3 answers AccessDenied instead`,
    });
  }
  return requests;
};

const s3: Record<string, Mapper> = {
  GetObject: readObject,
  HeadObject: readObject,
  PutObject: (input, f) => {
    const resource = objectArn(f, input.string('Bucket'), input.string('Key'));
    return [
      { action: 's3:PutObject', resource },
      ...(input.optionalString('Tagging') ? [{ action: 's3:PutObjectTagging', resource }] : []),
      ...(input.optionalString('ACL') ? [{ action: 's3:PutObjectAcl', resource }] : []),
    ];
  },
  CopyObject: (input, f) => {
    // CopySource is `<bucket>/<url-encoded key>[?versionId=<id>]`.
    const source = input.string('CopySource').replace(/^\//, '');
    const [path = '', query = ''] = source.split('?');
    const slash = path.indexOf('/');
    const sourceBucket = path.slice(0, slash);
    const sourceKey = decodeURIComponent(path.slice(slash + 1));
    const versioned = new URLSearchParams(query).has('versionId');
    return [
      {
        action: versioned ? 's3:GetObjectVersion' : 's3:GetObject',
        resource: objectArn(f, sourceBucket, sourceKey),
      },
      {
        action: 's3:PutObject',
        resource: objectArn(f, input.string('Bucket'), input.string('Key')),
      },
    ];
  },
  ListObjectsV2: (input, f) => [
    {
      action: 's3:ListBucket',
      resource: bucketArn(f, input.string('Bucket')),
      context: { 's3:prefix': input.optionalString('Prefix') ?? '' },
    },
  ],
  DeleteObject: (input, f) => [
    {
      action: input.optionalString('VersionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: objectArn(f, input.string('Bucket'), input.string('Key')),
    },
  ],
};

// ── DynamoDB (the document client records the DynamoDB operation names) ──────

const tableArn = (f: ResourceFacts, table: string, index?: string) =>
  `${table.startsWith('arn:') ? table : `arn:${f.partition}:dynamodb:${f.region}:${f.accountId}:table/${table}`}${index ? `/index/${index}` : ''}`;

const onTable =
  (action: string): Mapper =>
  (input, f) => [
    {
      action,
      resource: tableArn(f, input.string('TableName'), input.optionalString('IndexName')),
    },
  ];

/** TransactWriteItems is authorised per item: PutItem, UpdateItem, DeleteItem, ConditionCheckItem. */
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

const transact: Mapper = (input, f) =>
  input.list('TransactItems').flatMap((item) =>
    Object.entries(item as Record<string, { TableName?: unknown }>).map(([kind, op]) => {
      const action = TRANSACT_ACTIONS[kind];
      if (action === undefined || typeof op.TableName !== 'string') {
        throw new CallShapeError(
          `${input.call.function} TransactItems entry ${kind} is not mapped`,
        );
      }
      return { action, resource: tableArn(f, op.TableName) };
    }),
  );

const perTable =
  (action: string): Mapper =>
  (input, f) =>
    Object.keys(input.record('RequestItems')).map((table) => ({
      action,
      resource: tableArn(f, table),
    }));

const dynamodb: Record<string, Mapper> = {
  GetItem: onTable('dynamodb:GetItem'),
  PutItem: onTable('dynamodb:PutItem'),
  UpdateItem: onTable('dynamodb:UpdateItem'),
  DeleteItem: onTable('dynamodb:DeleteItem'),
  Query: onTable('dynamodb:Query'),
  Scan: onTable('dynamodb:Scan'),
  BatchGetItem: perTable('dynamodb:BatchGetItem'),
  BatchWriteItem: perTable('dynamodb:BatchWriteItem'),
  TransactWriteItems: transact,
  TransactGetItems: transact,
};

// ── SNS and SQS (with the KMS calls the service makes as the caller) ─────────

/** SNS and SQS call KMS with the caller's credentials to encrypt a message at rest. */
function kmsFor(
  f: ResourceFacts,
  key: string | undefined,
  service: 'sns' | 'sqs',
  what: string,
): IamRequest[] {
  if (key === undefined) return [];
  const context = {
    'kms:ViaService': `${service}.${f.region}.amazonaws.com`,
    'kms:CallerAccount': f.accountId,
  };
  const because = `${what} is encrypted with a KMS key, so ${service.toUpperCase()} uses the key as the caller`;
  return [
    { action: 'kms:GenerateDataKey', resource: key, context, because },
    { action: 'kms:Decrypt', resource: key, context, because },
  ];
}

const publish: Mapper = (input, f) => {
  const topic = input.optionalString('TopicArn') ?? input.string('TargetArn');
  return [
    { action: 'sns:Publish', resource: topic },
    ...kmsFor(f, f.topicKey(topic), 'sns', `topic ${topic}`),
  ];
};

const sns: Record<string, Mapper> = { Publish: publish, PublishBatch: publish };

const sendMessage: Mapper = (input, f) => {
  const queue = f.queueArn(input.string('QueueUrl'));
  return [
    { action: 'sqs:SendMessage', resource: queue },
    ...kmsFor(f, f.queueKey(queue), 'sqs', `queue ${queue}`),
  ];
};

const sqs: Record<string, Mapper> = { SendMessage: sendMessage, SendMessageBatch: sendMessage };

// ── EventBridge Scheduler ────────────────────────────────────────────────────

const scheduleArn = (input: Input, f: ResourceFacts) =>
  `arn:${f.partition}:scheduler:${f.region}:${f.accountId}:schedule/${input.optionalString('GroupName') ?? 'default'}/${input.string('Name')}`;

/** Creating or updating a schedule passes its execution role to EventBridge Scheduler. */
const writeSchedule =
  (action: string): Mapper =>
  (input, f) => {
    const role = input.record('Target').RoleArn;
    if (typeof role !== 'string') throw new CallShapeError(`${action} without Target.RoleArn`);
    return [
      { action, resource: scheduleArn(input, f) },
      {
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
        because: 'the schedule runs as this role',
      },
    ];
  };

const scheduler: Record<string, Mapper> = {
  CreateSchedule: writeSchedule('scheduler:CreateSchedule'),
  UpdateSchedule: writeSchedule('scheduler:UpdateSchedule'),
  DeleteSchedule: (input, f) => [
    { action: 'scheduler:DeleteSchedule', resource: scheduleArn(input, f) },
  ],
  GetSchedule: (input, f) => [{ action: 'scheduler:GetSchedule', resource: scheduleArn(input, f) }],
};

// ── Secrets Manager, SES v1, Lambda ──────────────────────────────────────────

const secretsmanager: Record<string, Mapper> = {
  GetSecretValue: (input, f) => [
    { action: 'secretsmanager:GetSecretValue', resource: f.secretArn(input.string('SecretId')) },
  ],
};

/** SES checks the sending identity and, when one is named, the configuration set. */
const sendEmail =
  (action: string): Mapper =>
  (input, f) => {
    const base = `arn:${f.partition}:ses:${f.region}:${f.accountId}`;
    const configurationSet = input.optionalString('ConfigurationSetName');
    return [
      {
        action,
        resource:
          input.optionalString('FromArn') ?? `${base}:identity/${f.sesIdentity(input.call)}`,
      },
      ...(configurationSet === undefined
        ? []
        : [{ action, resource: `${base}:configuration-set/${configurationSet}` }]),
    ];
  };

const ses: Record<string, Mapper> = {
  SendRawEmail: sendEmail('ses:SendRawEmail'),
  SendEmail: sendEmail('ses:SendEmail'),
};

const lambda: Record<string, Mapper> = {
  Invoke: (input, f) => {
    const name = input.string('FunctionName');
    return [
      {
        action: 'lambda:InvokeFunction',
        resource: name.startsWith('arn:')
          ? name
          : `arn:${f.partition}:lambda:${f.region}:${f.accountId}:function:${name}`,
      },
    ];
  },
};

const HANDLERS: Readonly<Record<string, Readonly<Record<string, Mapper>>>> = {
  s3,
  dynamodb,
  sns,
  sqs,
  scheduler,
  secretsmanager,
  ses,
  lambda,
};
