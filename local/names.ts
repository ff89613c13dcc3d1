/**
 * The names, ARNs and URLs of the local stack's resources. They have the shape of real
 * ones (account 000000000000, eu-west-2), so every function gets an environment that
 * would pass for a deployed one and the code that reads ARNs and URLs runs as in AWS.
 */
import type { TopicName } from '../functions/shared/ports';

export const LOCAL_REGION = 'eu-west-2';
export const LOCAL_ACCOUNT = '000000000000';

export const LOCAL_BUCKET = 'herald-local';
export const LOCAL_TABLE = 'herald-ledger';

/** The functions the local stack boots (functions/<name>/index.ts). */
export type LocalFunctionName =
  | 'ingest'
  | 'dispatch'
  | 'send'
  | 'release'
  | 'website-hook'
  | 'unsubscribe'
  | 'feedback'
  | 'approval';

export const TOPIC_NAMES: readonly TopicName[] = [
  'press',
  'partners',
  'website',
  'ops',
  'approvals',
];

export type LocalQueueName = 'press' | 'send' | 'website';

export type LocalSecretName = 'unsubscribe-key' | 'webhook-secret' | 'approval-key';

export function topicArn(topic: TopicName): string {
  return `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:herald-local-${topic}`;
}

export function queueArn(queue: string): string {
  return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:herald-local-${queue}`;
}

export function queueUrl(queue: string): string {
  return `https://sqs.${LOCAL_REGION}.amazonaws.com/${LOCAL_ACCOUNT}/herald-local-${queue}`;
}

export function functionArn(name: LocalFunctionName): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:herald-local-${name}`;
}

/** Secrets Manager appends six random characters to a secret's name in its ARN. */
export function secretArn(name: LocalSecretName): string {
  return `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:herald-local/${name}-Lc4lXy`;
}

export const SCHEDULE_GROUP = 'herald-local-releases';
export const SCHEDULER_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/herald-local-scheduler`;
export const SCHEDULER_DLQ_ARN = queueArn('scheduler-dead-letter');

export function scheduleArn(group: string, name: string): string {
  return `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${group}/${name}`;
}

/** Every resource a local function is told about, for tests that check what it touched. */
export interface LocalResources {
  region: string;
  account: string;
  bucket: string;
  table: string;
  topics: Readonly<Record<TopicName, string>>;
  queues: Readonly<Record<LocalQueueName, { arn: string; url: string }>>;
  functions: Readonly<Record<LocalFunctionName, string>>;
  secrets: Readonly<Record<LocalSecretName, string>>;
  scheduleGroup: string;
}

export function localResources(): LocalResources {
  const queue = (name: LocalQueueName) => ({ arn: queueArn(name), url: queueUrl(name) });
  return {
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT,
    bucket: LOCAL_BUCKET,
    table: LOCAL_TABLE,
    topics: {
      press: topicArn('press'),
      partners: topicArn('partners'),
      website: topicArn('website'),
      ops: topicArn('ops'),
      approvals: topicArn('approvals'),
    },
    queues: { press: queue('press'), send: queue('send'), website: queue('website') },
    functions: {
      ingest: functionArn('ingest'),
      dispatch: functionArn('dispatch'),
      send: functionArn('send'),
      release: functionArn('release'),
      'website-hook': functionArn('website-hook'),
      unsubscribe: functionArn('unsubscribe'),
      feedback: functionArn('feedback'),
      approval: functionArn('approval'),
    },
    secrets: {
      'unsubscribe-key': secretArn('unsubscribe-key'),
      'webhook-secret': secretArn('webhook-secret'),
      'approval-key': secretArn('approval-key'),
    },
    scheduleGroup: SCHEDULE_GROUP,
  };
}
