/**
 * The Herald stack (docs/architecture.md): statements bucket → ingest → press / partners /
 * website topics, the press path (dispatch → send → SES), the embargo scheduler
 * (→ release), SES feedback, one-click unsubscribe, and alarms on every
 * dead-letter queue and every function's errors.
 *
 * The constructor is the table of contents: the foundation (lib/foundation.ts), then
 * each function with its trigger and exactly the permissions it needs (the press path
 * in lib/press-path.ts, approval in lib/approval-endpoint.ts), then alarms, partners
 * and outputs (lib/stack-outputs.ts).
 *
 * Environment-agnostic on purpose (no `env`, no lookups): `cdk synth` runs with no
 * credentials, and the account and region come from CloudFormation at deploy time.
 * No physical names are hard-coded, so two copies can live in one account.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { HeraldConfig } from '../core/config/schema';
import { feedbackEnvironment } from '../functions/feedback/env';
import { ingestEnvironment } from '../functions/ingest/env';
import { releaseEnvironment } from '../functions/release/env';
import { unsubscribeEnvironment } from '../functions/unsubscribe/env';
import { websiteHookEnvironment } from '../functions/website-hook/env';
import { type ApprovalEndpoint, approvalEndpoint } from './approval-endpoint';
import { EmbargoScheduler } from './constructs/embargo-scheduler';
import { HeraldFunction } from './constructs/herald-function';
import { acknowledge } from './constructs/nag';
import { PartnerSubscriptions } from './constructs/partner-subscriptions';
import { PublicFunctionUrl } from './constructs/public-function-url';
import { QueueConsumer } from './constructs/queue-consumer';
import { DeadLetterQueue } from './constructs/queues';
import { ReleaseSweep } from './constructs/release-sweep';
import { buildFoundation, type Foundation } from './foundation';
import { grantObjects, grantPublish, grantSendEmail, retryThenDeadLetter } from './function-wiring';
import { pressPath } from './press-path';
import { addOutputs } from './stack-outputs';

// The press path's pacing, used by the pacing bench too.
export { type SendPacing, sendPacing } from './press-path';

/**
 * Unsubscribe requests in flight at most. One request is an HMAC check and one
 * conditional DynamoDB put (tens of milliseconds warm), so 5 serve on the order of
 * a hundred requests a second: far above real one-click traffic (a few per press
 * release), while a flood can keep at most 5 instances busy and leaves the rest of
 * the account's concurrency to send and ingest.
 */
export const UNSUBSCRIBE_CONCURRENCY = 5;

export interface HeraldStackProps extends StackProps {
  /** The validated herald.config.json (lib/config.ts). */
  readonly config: HeraldConfig;
}

/** What ingest hands work to, and (with approval) the endpoint whose links it sends. */
interface IngestTargets {
  readonly release: HeraldFunction;
  readonly scheduler: EmbargoScheduler;
  readonly approval: ApprovalEndpoint | undefined;
}

export class HeraldStack extends Stack {
  readonly functions: Readonly<Record<string, HeraldFunction>>;

  constructor(scope: Construct, id: string, props: HeraldStackProps) {
    super(scope, id, props);
    const base = buildFoundation(this, props.config);

    // Each function with its trigger and its permissions (least privilege).
    const feedback = this.feedback(base);
    const unsubscribe = this.unsubscribe(base);
    const approval = this.approval(base);
    const release = this.release(base);
    const scheduler = this.embargoScheduling(base, release);
    const websiteHook = this.websiteHook(base);
    const { send, dispatch } = pressPath(this, base, unsubscribe.url);
    const ingest = this.ingest(base, { release, scheduler, approval });
    this.functions = {
      ingest,
      dispatch,
      send,
      feedback,
      unsubscribe: unsubscribe.fn,
      release,
      'website-hook': websiteHook,
      ...(approval ? { approval: approval.fn } : {}),
    };

    this.alarmOnErrors(base);
    new PartnerSubscriptions(this, 'PartnerSubscriptions', {
      topic: base.messaging.partners,
      subscriptions: base.config.partners.subscriptions,
      encryptionKey: base.messaging.key,
      alarmAction: base.alarmAction,
    });
    this.acknowledgeCdkProviders();
    addOutputs(this, base, { unsubscribeUrl: unsubscribe.url, ingest, approval });
  }

  /** SES bounces and complaints → feedback → suppressions in the ledger. */
  private feedback(base: Foundation): HeraldFunction {
    const { ledger } = base;
    const feedback = new HeraldFunction(this, 'Feedback', {
      name: 'feedback',
      environment: feedbackEnvironment({ LEDGER_TABLE: ledger.tableName }),
    });
    const deadLetter = new DeadLetterQueue(this, 'FeedbackDeadLetter', {
      encryptionKey: base.messaging.key,
      alarmAction: base.alarmAction,
      purpose: 'SES bounce/complaint events feedback failed on after retries',
    });
    retryThenDeadLetter(feedback, deadLetter);
    base.email.topic.addSubscription(
      new LambdaSubscription(feedback, { deadLetterQueue: base.deliveryDeadLetter.queue }),
    );
    // It only adds suppressions (a conditional put), nothing else.
    ledger.grant(feedback, 'dynamodb:PutItem');
    return feedback;
  }

  /** One-click unsubscribe: a public Function URL that adds a suppression. */
  private unsubscribe(base: Foundation): { fn: HeraldFunction; url: FunctionUrl } {
    const { ledger, unsubscribeKey } = base;
    const fn = new HeraldFunction(this, 'Unsubscribe', {
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
    const url = new PublicFunctionUrl(this, 'UnsubscribeEndpoint', {
      fn,
      reservedConcurrency: UNSUBSCRIBE_CONCURRENCY,
      alarmAction: base.alarmAction,
      purpose: 'one-click unsubscribe',
    }).url;
    // It only adds suppressions (a conditional put), nothing else.
    ledger.grant(fn, 'dynamodb:PutItem');
    unsubscribeKey.grantRead(fn);
    return { fn, url };
  }

  /** The endpoint behind the links in proof emails, when approval is configured. */
  private approval(base: Foundation): ApprovalEndpoint | undefined {
    const topic = base.messaging.approvals;
    if (base.config.approval === undefined || topic === undefined) return undefined;
    return approvalEndpoint(this, base, base.config.approval, topic);
  }

  /** Embargo release: makes a statement public to partners and the website. */
  private release(base: Foundation): HeraldFunction {
    const { messaging, statements } = base;
    const release = new HeraldFunction(this, 'Release', {
      name: 'release',
      environment: releaseEnvironment({
        ...base.common,
        PARTNERS_TOPIC_ARN: messaging.partners.topicArn,
        WEBSITE_TOPIC_ARN: messaging.website.topicArn,
        OPS_TOPIC_ARN: messaging.ops.topicArn,
      }),
      // It may wait up to a minute for the lift (the scheduler fires to the minute), then
      // publish: 60 s would time out on every early firing and only succeed on a retry.
      timeout: Duration.minutes(2),
    });
    const deadLetter = new DeadLetterQueue(this, 'ReleaseDeadLetter', {
      encryptionKey: messaging.key,
      alarmAction: base.alarmAction,
      purpose: 'embargo releases that failed after retries (the website and partners are waiting)',
    });
    retryThenDeadLetter(release, deadLetter);
    base.ledger.grantReadWriteData(release);
    grantObjects(statements, release, ['s3:GetObject'], 'rendered/');
    grantObjects(statements, release, ['s3:GetObject', 's3:PutObject'], 'published/');
    grantPublish(release, [messaging.partners, messaging.website, messaging.ops]);
    return release;
  }

  /** The schedules that invoke release at the lift, and the sweep that catches any missed. */
  private embargoScheduling(base: Foundation, release: HeraldFunction): EmbargoScheduler {
    const scheduler = new EmbargoScheduler(this, 'Embargo', {
      release,
      encryptionKey: base.messaging.key,
      alarmAction: base.alarmAction,
    });
    // The safety net: every 5 minutes release sweeps up any lift that has passed unreleased.
    new ReleaseSweep(this, 'ReleaseSweep', { release, alarmAction: base.alarmAction });
    return scheduler;
  }

  /** Website topic → website queue → website-hook → the site's build hook. */
  private websiteHook(base: Foundation): HeraldFunction {
    const websiteHook = new HeraldFunction(this, 'WebsiteHook', {
      name: 'website-hook',
      environment: websiteHookEnvironment({
        LEDGER_TABLE: base.ledger.tableName,
        WEBSITE_HOOK_URL: base.config.website.hookUrl ?? '',
        WEBHOOK_SECRET_ARN: base.webhookSecret.secretArn,
      }),
      timeout: Duration.seconds(30),
    });
    new QueueConsumer(this, 'WebsiteQueue', {
      fn: websiteHook,
      encryptionKey: base.messaging.key,
      alarmAction: base.alarmAction,
      purpose: 'website releases',
      batchSize: 1,
      source: { topic: base.messaging.website, deadLetterQueue: base.deliveryDeadLetter.queue },
    });
    base.ledger.grantReadWriteData(websiteHook);
    base.webhookSecret.grantRead(websiteHook);
    return websiteHook;
  }

  /** Ingest: the S3 trigger (incoming/*.json), and with approval the decisions topic. */
  private ingest(base: Foundation, targets: IngestTargets): HeraldFunction {
    const ingest = new HeraldFunction(this, 'Ingest', {
      name: 'ingest',
      environment: this.ingestEnvironment(base, targets),
      // MJML rendering is CPU-bound: more memory buys CPU.
      memorySize: 1536,
      timeout: Duration.seconds(60),
    });
    const deadLetter = new DeadLetterQueue(this, 'IngestDeadLetter', {
      encryptionKey: base.messaging.key,
      alarmAction: base.alarmAction,
      purpose: 'S3 upload events ingest failed on after retries (the file is still in incoming/)',
    });
    retryThenDeadLetter(ingest, deadLetter);
    // Only incoming/*.json triggers; ingest writes to other prefixes, so no loop.
    base.statements.bucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new LambdaDestination(ingest),
      { prefix: 'incoming/', suffix: '.json' },
    );
    if (targets.approval && base.messaging.approvals) {
      // Decisions from the approval function: ingest carries out an approved revision.
      base.messaging.approvals.addSubscription(
        new LambdaSubscription(ingest, { deadLetterQueue: base.deliveryDeadLetter.queue }),
      );
    }
    this.grantIngest(base, ingest, targets);
    return ingest;
  }

  private ingestEnvironment(base: Foundation, { release, scheduler, approval }: IngestTargets) {
    const { config, messaging } = base;
    return ingestEnvironment({
      ...base.common,
      PRESS_TOPIC_ARN: messaging.press.topicArn,
      PARTNERS_TOPIC_ARN: messaging.partners.topicArn,
      WEBSITE_TOPIC_ARN: messaging.website.topicArn,
      OPS_TOPIC_ARN: messaging.ops.topicArn,
      RELEASE_FUNCTION_ARN: release.functionArn,
      SCHEDULER_ROLE_ARN: scheduler.role.roleArn,
      SCHEDULE_GROUP: scheduler.group.scheduleGroupName,
      SCHEDULER_DLQ_ARN: scheduler.deadLetter.queue.queueArn,
      DEFAULT_TIMEZONE: config.timezone,
      SENDER_DISPLAY_NAME: config.sender.displayName,
      // email.json carries the email prepared for send's sender (functions/ingest/env.ts).
      SENDER_FROM: config.sender.from,
      SES_CONFIGURATION_SET: base.email.configurationSet.configurationSetName,
      ...(approval
        ? {
            APPROVAL_SETTINGS: approval.settings,
            APPROVAL_URL: approval.url.url,
            APPROVAL_SECRET_ARN: approval.key.secretArn,
            PRESS_LIST_KEY: config.press.listKey,
            PARTNER_FILTERS: approval.partnerFilters,
          }
        : {}),
    });
  }

  private grantIngest(base: Foundation, ingest: HeraldFunction, targets: IngestTargets): void {
    const { messaging, statements } = base;
    base.ledger.grantReadWriteData(ingest);
    grantObjects(statements, ingest, ['s3:GetObject', 's3:GetObjectVersion'], 'incoming/');
    grantObjects(statements, ingest, ['s3:PutObject'], 'rejected/');
    grantObjects(statements, ingest, ['s3:GetObject', 's3:PutObject'], 'rendered/');
    // Ingest releases a revision with no embargo in force itself (release's code, run in
    // process) and marks withdrawn statements in published/: write only, it never reads there.
    grantObjects(statements, ingest, ['s3:PutObject'], 'published/');
    grantPublish(ingest, [messaging.press, messaging.partners, messaging.website, messaging.ops]);
    targets.scheduler.grantManageSchedules(ingest.executionRole);
    if (targets.approval) {
      // The proofs and approval notices; ingest signs the links and counts journalists
      // by topic for the proofs.
      grantSendEmail(ingest, base.config.sender.sesIdentity, base.email.configurationSetArn);
      targets.approval.key.grantRead(ingest);
      grantObjects(statements, ingest, ['s3:GetObject'], 'lists/');
    }
  }

  /** Every function's errors tell ops (DLQ alarms live with the queues). */
  private alarmOnErrors(base: Foundation): void {
    for (const fn of Object.values(this.functions)) {
      new Alarm(fn, 'ErrorsAlarm', {
        alarmDescription: `Herald: ${fn.node.id} reported errors. See its log group.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(base.alarmAction);
    }
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
