/**
 * What the stack gives several functions the same way: async invocations that
 * retry and then land in a dead-letter queue, object access under one prefix of
 * the statements bucket, publishing to named topics, and sending email through SES.
 * Each grant names its resources; cdk-nag findings the grants cause are acknowledged here.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { HeraldFunction } from './constructs/herald-function';
import { acknowledge, wildcardAction, wildcardResource } from './constructs/nag';
import type { DeadLetterQueue } from './constructs/queues';
import type { StatementsBucket } from './constructs/statements-bucket';

/**
 * Lambda async invocations (S3 → ingest, SNS → feedback, EventBridge Scheduler and the
 * sweep rule → release): a function error is retried twice (about 1 and 2 minutes
 * later), then the event goes to the on-failure DLQ. EventBridge Scheduler's own retry
 * policy only covers handing the event to Lambda, not the function failing.
 */
export const ASYNC_RETRY_ATTEMPTS = 2;
/** Lambda's maximum event age: throttled events keep retrying for up to 6 hours. */
export const ASYNC_MAX_EVENT_AGE = Duration.hours(6);

/** Lambda async invocations: two retries over up to 6 hours, then the DLQ. */
export function retryThenDeadLetter(fn: HeraldFunction, deadLetter: DeadLetterQueue): void {
  fn.configureAsyncInvoke({
    retryAttempts: ASYNC_RETRY_ATTEMPTS,
    maxEventAge: ASYNC_MAX_EVENT_AGE,
    onFailure: new SqsDestination(deadLetter.queue),
  });
  acknowledge(
    fn.executionRole,
    [wildcardAction('kms:ReEncrypt*'), wildcardAction('kms:GenerateDataKey*')],
    'CDK SqsDestination grants sendMessages on the KMS-encrypted on-failure DLQ; scoped to the one messaging key.',
  );
}

/** Grants object actions under one prefix of the statements bucket, nothing wider. */
export function grantObjects(
  statements: StatementsBucket,
  fn: HeraldFunction,
  actions: string[],
  prefix: string,
): void {
  fn.addToRolePolicy(
    new PolicyStatement({ actions, resources: [statements.bucket.arnForObjects(`${prefix}*`)] }),
  );
  acknowledge(
    fn.executionRole,
    [wildcardResource(statements.cfnBucket, `/${prefix}*`)],
    `Object keys under ${prefix} are chosen at run time; access is limited to that prefix.`,
  );
}

/** sns:Publish on the named topics only (plus use of their key). */
export function grantPublish(fn: HeraldFunction, topics: readonly ITopic[]): void {
  for (const topic of topics) topic.grantPublish(fn);
  acknowledge(
    fn.executionRole,
    [wildcardAction('kms:GenerateDataKey*')],
    'Publishing to a KMS-encrypted topic needs GenerateDataKey* (CDK grantPublish); scoped to the one messaging key.',
  );
}

/** SES: send raw MIME as the verified identity, through Herald's configuration set only. */
export function grantSendEmail(
  fn: HeraldFunction,
  sesIdentity: string,
  configurationSetArn: string,
): void {
  const identityArn = Stack.of(fn).formatArn({
    service: 'ses',
    resource: 'identity',
    resourceName: sesIdentity,
  });
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['ses:SendRawEmail'],
      resources: [identityArn, configurationSetArn],
    }),
  );
}
