/**
 * The press path: press topic → press queue → dispatch (which splits the press list
 * into batches) → send queue → send → SES, paced so that all `send` instances
 * together stay within the account's SES sending rate.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { dispatchEnvironment } from '../functions/dispatch/env';
import { sendEnvironment } from '../functions/send/env';
import { HeraldFunction } from './constructs/herald-function';
import { acknowledge, wildcardAction } from './constructs/nag';
import { QueueConsumer } from './constructs/queue-consumer';
import type { Foundation } from './foundation';
import { grantObjects, grantPublish, grantSendEmail } from './function-wiring';

/** A send message holds at most this many recipients (dispatch batches them). */
export const RECIPIENTS_PER_SEND_MESSAGE = 50;

export interface SendPacing {
  /** SQS event source maxConcurrency for `send` (Lambda's minimum is 2). */
  readonly maxConcurrency: number;
  /** Each `send` instance's share of the SES rate: SEND_RATE_PER_SECOND. */
  readonly perInstanceRatePerSecond: number;
  /** Long enough for one message of 50 recipients at the per-instance rate, with margin. */
  readonly timeout: Duration;
}

/** The SES rate one `send` instance is given, at most (sendPacing). */
export const SEND_RATE_PER_INSTANCE = 25;

/**
 * Splits the account's SES rate across concurrent `send` instances; the
 * product of concurrency and per-instance rate never exceeds the account rate.
 *
 * Each instance paces itself (functions/send/pacer.ts) and cannot see the
 * others, so when fewer instances are busy (the first ones still starting,
 * the last messages of a list) the unused share is lost. With up to 25/s per
 * instance rather than 10/s, a message of 50 recipients takes 2 s instead of 5,
 * so the last messages leave the rest idle for 2 s at most, not 5 (pacing
 * bench: docs/performance.md). An instance sending 25/s is far from busy:
 * sending is ~3 ms of CPU per email, and two seconds of recipients are in flight.
 */
export function sendPacing(sendRatePerSecond: number): SendPacing {
  const maxConcurrency = Math.min(
    1000,
    Math.max(2, Math.ceil(sendRatePerSecond / SEND_RATE_PER_INSTANCE)),
  );
  const perInstanceRatePerSecond = Math.floor((sendRatePerSecond / maxConcurrency) * 1000) / 1000;
  const secondsPerMessage = RECIPIENTS_PER_SEND_MESSAGE / perInstanceRatePerSecond;
  const timeoutSeconds = Math.min(900, Math.ceil(secondsPerMessage * 1.5) + 30);
  return { maxConcurrency, perInstanceRatePerSecond, timeout: Duration.seconds(timeoutSeconds) };
}

/** The press path's two functions, each with its queue, trigger and permissions. */
export function pressPath(
  stack: Stack,
  base: Foundation,
  unsubscribeUrl: FunctionUrl,
): { send: HeraldFunction; dispatch: HeraldFunction } {
  const send = sendFunction(stack, base, unsubscribeUrl);
  const dispatch = dispatchFunction(stack, base, send.queue);
  return { send: send.fn, dispatch };
}

/** Send queue → send → SES, paced to the account's sending rate. */
function sendFunction(
  stack: Stack,
  base: Foundation,
  unsubscribeUrl: FunctionUrl,
): { fn: HeraldFunction; queue: Queue } {
  const { config, email } = base;
  const pacing = sendPacing(config.press.sendRatePerSecond);
  const send = new HeraldFunction(stack, 'Send', {
    name: 'send',
    environment: sendEnvironment({
      ...base.common,
      SENDER_FROM: config.sender.from,
      OPS_TOPIC_ARN: base.messaging.ops.topicArn,
      SES_CONFIGURATION_SET: email.configurationSet.configurationSetName,
      UNSUBSCRIBE_BASE_URL: unsubscribeUrl.url,
      UNSUBSCRIBE_SECRET_ARN: base.unsubscribeKey.secretArn,
      SEND_RATE_PER_SECOND: String(pacing.perInstanceRatePerSecond),
    }),
    timeout: pacing.timeout,
  });
  const { queue } = new QueueConsumer(stack, 'SendQueue', {
    fn: send,
    encryptionKey: base.messaging.key,
    alarmAction: base.alarmAction,
    purpose: `batches of up to ${RECIPIENTS_PER_SEND_MESSAGE} press recipients`,
    // Each message already holds ≤ 50 recipients; one at a time keeps pacing exact.
    batchSize: 1,
    maxConcurrency: pacing.maxConcurrency,
  });
  base.ledger.grantReadWriteData(send);
  grantObjects(base.statements, send, ['s3:GetObject'], 'rendered/');
  // send tells ops once a revision's last batch is done (the delivery report).
  grantPublish(send, [base.messaging.ops]);
  base.unsubscribeKey.grantRead(send);
  grantSendEmail(send, config.sender.sesIdentity, email.configurationSetArn);
  return { fn: send, queue };
}

/** Press topic → press queue → dispatch, which splits the press list into send batches. */
function dispatchFunction(stack: Stack, base: Foundation, sendQueue: Queue): HeraldFunction {
  const { messaging, statements } = base;
  const dispatch = new HeraldFunction(stack, 'Dispatch', {
    name: 'dispatch',
    environment: dispatchEnvironment({
      ...base.common,
      SEND_QUEUE_URL: sendQueue.queueUrl,
      OPS_TOPIC_ARN: messaging.ops.topicArn,
      PRESS_LIST_KEY: base.config.press.listKey,
    }),
    timeout: Duration.minutes(5),
    memorySize: 1024,
  });
  new QueueConsumer(stack, 'PressQueue', {
    fn: dispatch,
    encryptionKey: messaging.key,
    alarmAction: base.alarmAction,
    purpose: 'press jobs',
    batchSize: 1,
    source: { topic: messaging.press, deadLetterQueue: base.deliveryDeadLetter.queue },
  });
  base.ledger.grantReadWriteData(dispatch);
  grantObjects(statements, dispatch, ['s3:GetObject'], 'rendered/');
  grantObjects(statements, dispatch, ['s3:GetObject'], 'lists/');
  // Without ListBucket a missing press list reads as AccessDenied, not NoSuchKey,
  // and dispatch could not tell "no list uploaded yet" (reported to ops) from a fault.
  dispatch.addToRolePolicy(
    new PolicyStatement({ actions: ['s3:ListBucket'], resources: [statements.bucket.bucketArn] }),
  );
  grantPublish(dispatch, [messaging.ops]);
  sendQueue.grantSendMessages(dispatch);
  acknowledge(
    dispatch.executionRole,
    [wildcardAction('kms:ReEncrypt*'), wildcardAction('kms:GenerateDataKey*')],
    'CDK grantSendMessages on the KMS-encrypted send queue; scoped to the one messaging key.',
  );
  return dispatch;
}
