/**
 * The Herald stack (docs/architecture.md): statements bucket → ingest → press / partners /
 * website topics, the press path (dispatch → send → SES), the embargo scheduler
 * (→ release), SES feedback, one-click unsubscribe, and alarms on every
 * dead-letter queue and every function's errors.
 *
 * Environment-agnostic on purpose (no `env`, no lookups): `cdk synth` runs with no
 * credentials, and the account and region come from CloudFormation at deploy time.
 * No physical names are hard-coded, so two copies can live in one account.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { HeraldConfig } from '../core/config/schema';
import { approvalEnvironment } from '../functions/approval/env';
import { dispatchEnvironment } from '../functions/dispatch/env';
import { feedbackEnvironment } from '../functions/feedback/env';
import { ingestEnvironment } from '../functions/ingest/env';
import { releaseEnvironment } from '../functions/release/env';
import { sendEnvironment } from '../functions/send/env';
import { unsubscribeEnvironment } from '../functions/unsubscribe/env';
import { websiteHookEnvironment } from '../functions/website-hook/env';
import { EmailFeedback } from './constructs/email-feedback';
import { EmbargoScheduler } from './constructs/embargo-scheduler';
import { HeraldFunction } from './constructs/herald-function';
import { Messaging } from './constructs/messaging';
import { acknowledge, wildcardAction, wildcardResource } from './constructs/nag';
import { PartnerSubscriptions } from './constructs/partner-subscriptions';
import { PublicFunctionUrl } from './constructs/public-function-url';
import { DeadLetterQueue, WorkQueue } from './constructs/queues';
import { ReleaseSweep } from './constructs/release-sweep';
import { StatementsBucket } from './constructs/statements-bucket';

/** A send message holds at most this many recipients (dispatch batches them). */
export const RECIPIENTS_PER_SEND_MESSAGE = 50;

/**
 * Lambda async invocations (S3 → ingest, SNS → feedback, EventBridge Scheduler and the
 * sweep rule → release): a function error is retried twice (about 1 and 2 minutes
 * later), then the event goes to the on-failure DLQ. EventBridge Scheduler's own retry
 * policy only covers handing the event to Lambda, not the function failing.
 */
export const ASYNC_RETRY_ATTEMPTS = 2;
/** Lambda's maximum event age: throttled events keep retrying for up to 6 hours. */
export const ASYNC_MAX_EVENT_AGE = Duration.hours(6);

/**
 * Unsubscribe requests in flight at most. One request is an HMAC check and one
 * conditional DynamoDB put (tens of milliseconds warm), so 5 serve on the order of
 * a hundred requests a second: far above real one-click traffic (a few per press
 * release), while a flood can keep at most 5 instances busy and leaves the rest of
 * the account's concurrency to send and ingest.
 */
export const UNSUBSCRIBE_CONCURRENCY = 5;

/**
 * Approval requests in flight at most. Real traffic is a handful of approvers
 * clicking once per revision; 2 keeps a flood of forged links to two instances
 * (each refused after one HMAC check) while a real click waits at most a moment.
 */
export const APPROVAL_CONCURRENCY = 2;

/**
 * Lambda allows 4 KB of environment variables per function; the approval settings
 * and partner filter policies ingest is given must leave room for the rest.
 */
export const MAX_APPROVAL_ENV_BYTES = 2_500;

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

/** SQS visibility timeout for a queue consumed by a function: 6× its timeout (AWS guidance). */
function visibilityFor(fn: HeraldFunction): Duration {
  const timeout = fn.timeout ?? Duration.seconds(3);
  return Duration.seconds(Math.min(43_200, timeout.toSeconds() * 6));
}

export interface HeraldStackProps extends StackProps {
  /** The validated herald.config.json (lib/config.ts). */
  readonly config: HeraldConfig;
}

export class HeraldStack extends Stack {
  readonly functions: Readonly<Record<string, HeraldFunction>>;

  constructor(scope: Construct, id: string, props: HeraldStackProps) {
    super(scope, id, props);
    const { config } = props;

    // ── Messaging: one key, four topics, ops emails ───────────────────────────
    const messaging = new Messaging(this, 'Messaging', {
      approvals: config.approval !== undefined,
    });
    const alarmAction = new SnsAction(messaging.ops);
    const key = messaging.key;
    const deliveryDeadLetter = new DeadLetterQueue(this, 'DeliveryDeadLetter', {
      encryptionKey: key,
      alarmAction,
      purpose:
        "SNS deliveries to Herald's own queues, functions and ops emails that SNS gave up on",
    });
    for (const email of config.opsEmails) {
      messaging.ops.addSubscription(
        new EmailSubscription(email, { deadLetterQueue: deliveryDeadLetter.queue }),
      );
    }

    // ── Storage ───────────────────────────────────────────────────────────────
    const statements = new StatementsBucket(this, 'Statements');
    const bucket = statements.bucket;

    const ledger = new Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      encryption: TableEncryption.AWS_MANAGED,
      // The ledger is what stops a journalist being emailed twice and holds the
      // suppression list: keep it if the stack is deleted (and refuse to drop it).
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });

    // ── Secrets ───────────────────────────────────────────────────────────────
    const unsubscribeKey = new Secret(this, 'UnsubscribeKey', {
      description: 'Herald: HMAC key for one-click unsubscribe tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(
      unsubscribeKey,
      ['AwsSolutions-SMG4'],
      'Rotating the unsubscribe HMAC key would break every unsubscribe link already sent; rotate by hand if it leaks (docs/deploy.md).',
    );
    const webhookSecret = new Secret(this, 'WebhookSecret', {
      description: 'Herald: signing secret for the website build hook (X-Herald-Signature)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(
      webhookSecret,
      ['AwsSolutions-SMG4'],
      'The website verifies signatures with this shared secret; rotation must be coordinated with the site operator, so it is manual (docs/deploy.md).',
    );

    const common = { LEDGER_TABLE: ledger.tableName, BUCKET_NAME: bucket.bucketName };
    const topicArns = {
      PRESS_TOPIC_ARN: messaging.press.topicArn,
      PARTNERS_TOPIC_ARN: messaging.partners.topicArn,
      WEBSITE_TOPIC_ARN: messaging.website.topicArn,
      OPS_TOPIC_ARN: messaging.ops.topicArn,
    };

    // ── Email: SES configuration set, feedback, unsubscribe ──────────────────
    const email = new EmailFeedback(this, 'Email', { encryptionKey: key });

    const feedback = new HeraldFunction(this, 'Feedback', {
      name: 'feedback',
      environment: feedbackEnvironment({ LEDGER_TABLE: ledger.tableName }),
    });
    const feedbackDeadLetter = new DeadLetterQueue(this, 'FeedbackDeadLetter', {
      encryptionKey: key,
      alarmAction,
      purpose: 'SES bounce/complaint events feedback failed on after retries',
    });
    this.retryThenDeadLetter(feedback, feedbackDeadLetter);
    email.topic.addSubscription(
      new LambdaSubscription(feedback, { deadLetterQueue: deliveryDeadLetter.queue }),
    );

    const unsubscribe = new HeraldFunction(this, 'Unsubscribe', {
      name: 'unsubscribe',
      environment: unsubscribeEnvironment({
        LEDGER_TABLE: ledger.tableName,
        UNSUBSCRIBE_SECRET_ARN: unsubscribeKey.secretArn,
      }),
      timeout: Duration.seconds(10),
    });
    // Public on purpose: RFC 8058 one-click POSTs come from mail providers with no
    // AWS credentials. Each request must carry an HMAC token, checked in the handler.
    // Reserved concurrency bounds what a flood can cost or take from send and ingest.
    const unsubscribeUrl = new PublicFunctionUrl(this, 'UnsubscribeEndpoint', {
      fn: unsubscribe,
      reservedConcurrency: UNSUBSCRIBE_CONCURRENCY,
      alarmAction,
      purpose: 'one-click unsubscribe',
    }).url;

    // ── Approval: the endpoint behind the links in proof emails ─────────────
    const approval = config.approval
      ? this.approvalEndpoint(config, ledger, messaging, alarmAction)
      : undefined;

    // ── Embargo release and the website ──────────────────────────────────────
    const release = new HeraldFunction(this, 'Release', {
      name: 'release',
      environment: releaseEnvironment({
        ...common,
        PARTNERS_TOPIC_ARN: topicArns.PARTNERS_TOPIC_ARN,
        WEBSITE_TOPIC_ARN: topicArns.WEBSITE_TOPIC_ARN,
        OPS_TOPIC_ARN: topicArns.OPS_TOPIC_ARN,
      }),
      // It may wait up to a minute for the lift (the scheduler fires to the minute), then
      // publish: 60 s would time out on every early firing and only succeed on a retry.
      timeout: Duration.minutes(2),
    });
    const releaseDeadLetter = new DeadLetterQueue(this, 'ReleaseDeadLetter', {
      encryptionKey: key,
      alarmAction,
      purpose: 'embargo releases that failed after retries (the website and partners are waiting)',
    });
    this.retryThenDeadLetter(release, releaseDeadLetter);

    const scheduler = new EmbargoScheduler(this, 'Embargo', {
      release,
      encryptionKey: key,
      alarmAction,
    });
    // The safety net: every 5 minutes release sweeps up any lift that has passed unreleased.
    new ReleaseSweep(this, 'ReleaseSweep', { release, alarmAction });

    const websiteHook = new HeraldFunction(this, 'WebsiteHook', {
      name: 'website-hook',
      environment: websiteHookEnvironment({
        LEDGER_TABLE: ledger.tableName,
        WEBSITE_HOOK_URL: config.website.hookUrl ?? '',
        WEBHOOK_SECRET_ARN: webhookSecret.secretArn,
      }),
      timeout: Duration.seconds(30),
    });
    const websiteQueue = new WorkQueue(this, 'WebsiteQueue', {
      encryptionKey: key,
      alarmAction,
      visibilityTimeout: visibilityFor(websiteHook),
      purpose: 'website releases',
    });
    websiteQueue.subscribeTo(messaging.website, deliveryDeadLetter.queue);
    websiteHook.addEventSource(
      new SqsEventSource(websiteQueue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // ── Press path: press topic → press queue → dispatch → send queue → send ──
    const pacing = sendPacing(config.press.sendRatePerSecond);
    const send = new HeraldFunction(this, 'Send', {
      name: 'send',
      environment: sendEnvironment({
        ...common,
        SENDER_FROM: config.sender.from,
        OPS_TOPIC_ARN: topicArns.OPS_TOPIC_ARN,
        SES_CONFIGURATION_SET: email.configurationSet.configurationSetName,
        UNSUBSCRIBE_BASE_URL: unsubscribeUrl.url,
        UNSUBSCRIBE_SECRET_ARN: unsubscribeKey.secretArn,
        SEND_RATE_PER_SECOND: String(pacing.perInstanceRatePerSecond),
      }),
      timeout: pacing.timeout,
    });
    const sendQueue = new WorkQueue(this, 'SendQueue', {
      encryptionKey: key,
      alarmAction,
      visibilityTimeout: visibilityFor(send),
      purpose: 'batches of up to 50 press recipients',
    });
    send.addEventSource(
      new SqsEventSource(sendQueue.queue, {
        // Each message already holds ≤ 50 recipients; one at a time keeps pacing exact.
        batchSize: 1,
        maxConcurrency: pacing.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    const dispatch = new HeraldFunction(this, 'Dispatch', {
      name: 'dispatch',
      environment: dispatchEnvironment({
        ...common,
        SEND_QUEUE_URL: sendQueue.queue.queueUrl,
        OPS_TOPIC_ARN: topicArns.OPS_TOPIC_ARN,
        PRESS_LIST_KEY: config.press.listKey,
      }),
      timeout: Duration.minutes(5),
      memorySize: 1024,
    });
    const pressQueue = new WorkQueue(this, 'PressQueue', {
      encryptionKey: key,
      alarmAction,
      visibilityTimeout: visibilityFor(dispatch),
      purpose: 'press jobs',
    });
    pressQueue.subscribeTo(messaging.press, deliveryDeadLetter.queue);
    dispatch.addEventSource(
      new SqsEventSource(pressQueue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // ── Ingest: the S3 trigger ────────────────────────────────────────────────
    const ingest = new HeraldFunction(this, 'Ingest', {
      name: 'ingest',
      environment: ingestEnvironment({
        ...common,
        ...topicArns,
        RELEASE_FUNCTION_ARN: release.functionArn,
        SCHEDULER_ROLE_ARN: scheduler.role.roleArn,
        SCHEDULE_GROUP: scheduler.group.scheduleGroupName,
        SCHEDULER_DLQ_ARN: scheduler.deadLetter.queue.queueArn,
        DEFAULT_TIMEZONE: config.timezone,
        SENDER_DISPLAY_NAME: config.sender.displayName,
        ...(approval
          ? {
              APPROVAL_SETTINGS: approval.settings,
              APPROVAL_URL: approval.url.url,
              APPROVAL_SECRET_ARN: approval.key.secretArn,
              SENDER_FROM: config.sender.from,
              SES_CONFIGURATION_SET: email.configurationSet.configurationSetName,
              PRESS_LIST_KEY: config.press.listKey,
              PARTNER_FILTERS: approval.partnerFilters,
            }
          : {}),
      }),
      // MJML rendering is CPU-bound: more memory buys CPU.
      memorySize: 1536,
      timeout: Duration.seconds(60),
    });
    const ingestDeadLetter = new DeadLetterQueue(this, 'IngestDeadLetter', {
      encryptionKey: key,
      alarmAction,
      purpose: 'S3 upload events ingest failed on after retries (the file is still in incoming/)',
    });
    this.retryThenDeadLetter(ingest, ingestDeadLetter);
    // Only incoming/*.json triggers; ingest writes to other prefixes, so no loop.
    bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(ingest), {
      prefix: 'incoming/',
      suffix: '.json',
    });
    if (approval && messaging.approvals) {
      // Decisions from the approval function: ingest carries out an approved revision.
      messaging.approvals.addSubscription(
        new LambdaSubscription(ingest, { deadLetterQueue: deliveryDeadLetter.queue }),
      );
    }

    // ── Permissions (least privilege) ─────────────────────────────────────────
    const all = [ingest, dispatch, send, feedback, unsubscribe, release, websiteHook];
    if (approval) all.push(approval.fn);
    for (const fn of [ingest, dispatch, send, release, websiteHook]) ledger.grantReadWriteData(fn);
    // feedback and unsubscribe only add suppressions (a conditional put), nothing else.
    for (const fn of [feedback, unsubscribe]) ledger.grant(fn, 'dynamodb:PutItem');

    this.grantObjects(statements, ingest, ['s3:GetObject', 's3:GetObjectVersion'], 'incoming/');
    this.grantObjects(statements, ingest, ['s3:PutObject'], 'rejected/');
    this.grantObjects(statements, ingest, ['s3:GetObject', 's3:PutObject'], 'rendered/');
    // Ingest releases a revision with no embargo in force itself (release's code, run in
    // process) and marks withdrawn statements in published/: write only, it never reads there.
    this.grantObjects(statements, ingest, ['s3:PutObject'], 'published/');
    this.grantObjects(statements, dispatch, ['s3:GetObject'], 'rendered/');
    this.grantObjects(statements, dispatch, ['s3:GetObject'], 'lists/');
    // Without ListBucket a missing press list reads as AccessDenied, not NoSuchKey,
    // and dispatch could not tell "no list uploaded yet" (reported to ops) from a fault.
    dispatch.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
    this.grantObjects(statements, send, ['s3:GetObject'], 'rendered/');
    this.grantObjects(statements, release, ['s3:GetObject'], 'rendered/');
    this.grantObjects(statements, release, ['s3:GetObject', 's3:PutObject'], 'published/');

    this.grantPublish(ingest, [
      messaging.press,
      messaging.partners,
      messaging.website,
      messaging.ops,
    ]);
    this.grantPublish(release, [messaging.partners, messaging.website, messaging.ops]);
    this.grantPublish(dispatch, [messaging.ops]);
    // send tells ops once a revision's last batch is done (the delivery report).
    this.grantPublish(send, [messaging.ops]);

    sendQueue.queue.grantSendMessages(dispatch);
    acknowledge(
      dispatch.executionRole,
      [wildcardAction('kms:ReEncrypt*'), wildcardAction('kms:GenerateDataKey*')],
      'CDK grantSendMessages on the KMS-encrypted send queue; scoped to the one messaging key.',
    );

    scheduler.grantManageSchedules(ingest.executionRole);

    unsubscribeKey.grantRead(send);
    unsubscribeKey.grantRead(unsubscribe);
    webhookSecret.grantRead(websiteHook);

    // SES: send raw MIME as the verified identity, through Herald's configuration set only
    // (send: the journalists; ingest, with approval: the proofs and approval notices).
    const sesIdentityArn = this.formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: config.sender.sesIdentity,
    });
    for (const fn of approval ? [send, ingest] : [send]) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendRawEmail'],
          resources: [sesIdentityArn, email.configurationSetArn],
        }),
      );
    }

    if (approval) {
      // Ingest signs the links and counts journalists by topic for the proofs.
      approval.key.grantRead(ingest);
      this.grantObjects(statements, ingest, ['s3:GetObject'], 'lists/');
    }

    // ── Alarms: every function's errors (DLQ alarms live with the queues) ────
    for (const fn of all) {
      new Alarm(fn, 'ErrorsAlarm', {
        alarmDescription: `Herald: ${fn.node.id} reported errors. See its log group.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }

    // ── Partners ──────────────────────────────────────────────────────────────
    new PartnerSubscriptions(this, 'PartnerSubscriptions', {
      topic: messaging.partners,
      subscriptions: config.partners.subscriptions,
      encryptionKey: key,
      alarmAction,
    });

    this.acknowledgeCdkProviders();

    this.functions = {
      ingest,
      dispatch,
      send,
      feedback,
      unsubscribe,
      release,
      'website-hook': websiteHook,
      ...(approval ? { approval: approval.fn } : {}),
    };

    // ── Outputs ───────────────────────────────────────────────────────────────
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'UploadCommand', {
      description: 'Publish a statement',
      value: `aws s3 cp statement.json s3://${bucket.bucketName}/incoming/`,
    });
    new CfnOutput(this, 'PressListCommand', {
      description: 'Upload the press list',
      value: `aws s3 cp press.csv s3://${bucket.bucketName}/${config.press.listKey}`,
    });
    new CfnOutput(this, 'PartnersTopicArn', {
      description:
        "Partner agencies' queue policies allow sqs:SendMessage from this topic (docs/partners.md); Herald makes the subscriptions",
      value: messaging.partners.topicArn,
    });
    new CfnOutput(this, 'PressTopicArn', { value: messaging.press.topicArn });
    new CfnOutput(this, 'WebsiteTopicArn', { value: messaging.website.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: messaging.ops.topicArn });
    new CfnOutput(this, 'UnsubscribeUrl', { value: unsubscribeUrl.url });
    new CfnOutput(this, 'LedgerTableName', { value: ledger.tableName });
    new CfnOutput(this, 'WebhookSecretArn', {
      description:
        'Give the website its signing secret: aws secretsmanager get-secret-value --secret-id <this>',
      value: webhookSecret.secretArn,
    });
    new CfnOutput(this, 'SesConfigurationSet', {
      value: email.configurationSet.configurationSetName,
    });
    if (approval) {
      new CfnOutput(this, 'IngestFunctionName', {
        description:
          'For herald approve / herald reject: npx herald approve <id> --revision <n> --table <LedgerTableName> --function <this>',
        value: ingest.functionName,
      });
      new CfnOutput(this, 'ApprovalUrl', { value: approval.url.url });
    }
  }

  /**
   * The approval endpoint: a public Function URL (approvers click from their mail, with no
   * AWS credentials; every request carries an HMAC-signed, expiring token checked in the
   * handler), its signing key, and what it may do: read the statement head and write
   * decisions in the ledger, and publish decisions to the approvals topic.
   */
  private approvalEndpoint(
    config: HeraldConfig,
    ledger: Table,
    messaging: Messaging,
    alarmAction: SnsAction,
  ) {
    const topic = messaging.approvals;
    if (!config.approval || !topic) throw new Error('approvalEndpoint needs config.approval');
    const settings = JSON.stringify(config.approval);
    const partnerFilters = JSON.stringify(
      config.partners.subscriptions.map((s) => ({
        name: s.name,
        filterPolicy: s.filterPolicy ?? null,
      })),
    );
    if (Buffer.byteLength(settings) + Buffer.byteLength(partnerFilters) > MAX_APPROVAL_ENV_BYTES) {
      throw new RangeError(
        `approval and the partners' filter policies take ${Buffer.byteLength(settings) + Buffer.byteLength(partnerFilters)} bytes as ingest's environment; Lambda allows 4 KB in all, so keep them under ${MAX_APPROVAL_ENV_BYTES} (fewer approvers, or simpler filter policies).`,
      );
    }
    const key = new Secret(this, 'ApprovalKey', {
      description: 'Herald: HMAC key for the Approve and Reject links in proof emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(
      key,
      ['AwsSolutions-SMG4'],
      'Rotating the approval HMAC key would break the links in proofs awaiting a decision; they expire within days anyway, so rotate by hand if it leaks (docs/deploy.md).',
    );
    const fn = new HeraldFunction(this, 'Approval', {
      name: 'approval',
      environment: approvalEnvironment({
        LEDGER_TABLE: ledger.tableName,
        APPROVAL_SECRET_ARN: key.secretArn,
        APPROVALS_TOPIC_ARN: topic.topicArn,
      }),
      timeout: Duration.seconds(10),
    });
    const url = new PublicFunctionUrl(this, 'ApprovalEndpoint', {
      fn,
      reservedConcurrency: APPROVAL_CONCURRENCY,
      alarmAction,
      purpose: 'approval link',
    }).url;
    ledger.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
    key.grantRead(fn);
    this.grantPublish(fn, [topic]);
    return { fn, url, key, settings, partnerFilters };
  }

  /** Lambda async invocations: two retries over up to 6 hours, then the DLQ. */
  private retryThenDeadLetter(fn: HeraldFunction, deadLetter: DeadLetterQueue): void {
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
  private grantObjects(
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
  private grantPublish(fn: HeraldFunction, topics: readonly ITopic[]): void {
    for (const topic of topics) topic.grantPublish(fn);
    acknowledge(
      fn.executionRole,
      [wildcardAction('kms:GenerateDataKey*')],
      'Publishing to a KMS-encrypted topic needs GenerateDataKey* (CDK grantPublish); scoped to the one messaging key.',
    );
  }

  /** CDK's own singleton providers (S3 notification handler) that we cannot configure. */
  private acknowledgeCdkProviders(): void {
    const handler = this.node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (handler === undefined) return;
    acknowledge(
      handler,
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-IAM5[Resource::*]',
      ],
      'CDK-managed handler that writes the bucket notification configuration at deploy time; its code and role are fixed by CDK.',
    );
  }
}
