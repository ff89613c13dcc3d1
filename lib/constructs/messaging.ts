/**
 * The messaging key and Herald's four topics (press, partners, website, ops), and
 * with approval configured a fifth: approvals (the approval function's decisions,
 * which ingest acts on).
 *
 * One customer-managed key encrypts every topic and queue: the `aws/sns` and
 * `aws/sqs` managed keys cannot be shared with service principals, and CloudWatch
 * (alarms → ops), SES (events → feedback topic) and SNS itself (delivering into
 * encrypted queues and subscription DLQs) must all use the key (the AWS-managed keys cannot be shared with them).
 * Lambda roles get key use through their grants (grantPublish, grantSendMessages,
 * grantConsumeMessages), never through the key policy.
 *
 * No topic policy lets anyone else subscribe: partners get their subscription
 * from Herald (PartnerSubscriptions, from herald.config.json) with the filter
 * policy that keeps embargoed text from them, never one they make themselves.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Service principals that write into Herald's encrypted topics and queues. */
const KEY_USER_SERVICES = ['sns.amazonaws.com', 'cloudwatch.amazonaws.com', 'ses.amazonaws.com'];

export interface MessagingProps {
  /** Add the approvals topic (config `approval` is set). @default false */
  readonly approvals?: boolean;
}

export class Messaging extends Construct {
  readonly key: Key;
  readonly press: Topic;
  readonly partners: Topic;
  readonly website: Topic;
  readonly ops: Topic;
  /** Only with approval configured. */
  readonly approvals: Topic | undefined;

  constructor(scope: Construct, id: string, props: MessagingProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new Key(this, 'Key', {
      description: 'Herald: encrypts SNS topics and SQS queues (messages in flight only)',
      enableKeyRotation: true,
      // Only encrypts in-flight messages in topics and queues that are deleted with
      // the stack; the 30-day window leaves time to cancel a mistaken deletion.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    for (const service of KEY_USER_SERVICES) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid: `Allow-${service.split('.')[0]}`,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          // Confused-deputy guard: only on behalf of resources in this account.
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }

    const topic = (topicId: string, displayName: string): Topic =>
      new Topic(this, topicId, { displayName, masterKey: this.key, enforceSSL: true });
    this.press = topic('Press', 'Herald press jobs');
    this.partners = topic('Partners', 'Herald statements for partner agencies');
    this.website = topic('Website', 'Herald website releases');
    this.ops = topic('Ops', 'Herald operations');
    this.approvals = props.approvals ? topic('Approvals', 'Herald approval decisions') : undefined;

    // Alarms publish to ops; the topic policy CDK writes (enforceSSL) replaces the
    // default one, so allow CloudWatch explicitly, for this account's alarms only.
    this.ops.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.ops.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}
