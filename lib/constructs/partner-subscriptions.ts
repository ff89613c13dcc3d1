/**
 * The partner subscriptions listed in herald.config.json: the only way a partner
 * gets Herald's messages (no one may subscribe to the topic themselves), each with its own
 * dead-letter queue (so an operator can see which partner is failing and redrive
 * just theirs) and its filter policy.
 *
 * Filter policies: the L2 `Subscription` is used for protocol, endpoint, raw
 * delivery and the DLQ (it also writes the DLQ's queue policy), and the config's
 * filter policy JSON is set verbatim on the underlying CfnSubscription. Converting
 * it to `sns.SubscriptionFilter`s would be lossy (no `$or`, nested operators) and
 * could drift from what core/filter-policy and the local SNS router match; the
 * validated JSON is exactly what SNS evaluates, so it is passed through unchanged.
 */
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  type CfnSubscription,
  type ITopic,
  Subscription,
  SubscriptionProtocol,
} from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { HeraldConfig } from '../../core/config/schema';
import { DeadLetterQueue } from './queues';

type PartnerSubscriptionConfig = HeraldConfig['partners']['subscriptions'][number];

const PROTOCOLS: Readonly<Record<PartnerSubscriptionConfig['protocol'], SubscriptionProtocol>> = {
  https: SubscriptionProtocol.HTTPS,
  sqs: SubscriptionProtocol.SQS,
  email: SubscriptionProtocol.EMAIL,
  lambda: SubscriptionProtocol.LAMBDA,
};

/**
 * Raw delivery where it fits, unless the config says otherwise: an SQS queue gets
 * the envelope itself as the message body (with its attributes); HTTPS keeps SNS's
 * signed JSON wrapper, the only way the partner can check a POST came from SNS;
 * email and Lambda cannot be raw.
 */
export function rawDelivery(config: PartnerSubscriptionConfig): boolean | undefined {
  return config.rawMessageDelivery ?? (config.protocol === 'sqs' ? true : undefined);
}

function withRawDelivery(raw: boolean | undefined): { rawMessageDelivery?: boolean } {
  return raw === undefined ? {} : { rawMessageDelivery: raw };
}

export interface PartnerSubscriptionsProps {
  /** The partners topic. */
  readonly topic: ITopic;
  /** The configured subscriptions (`partners.subscriptions`). */
  readonly subscriptions: readonly PartnerSubscriptionConfig[];
  /** Key for the per-subscription DLQs (SNS must be allowed to use it). */
  readonly encryptionKey: IKey;
  /** Where the DLQ alarms go. */
  readonly alarmAction: IAlarmAction;
}

export class PartnerSubscriptions extends Construct {
  /** Subscription and DLQ per configured name. */
  readonly byName: ReadonlyMap<string, { subscription: Subscription; deadLetter: DeadLetterQueue }>;

  constructor(scope: Construct, id: string, props: PartnerSubscriptionsProps) {
    super(scope, id);
    const byName = new Map<string, { subscription: Subscription; deadLetter: DeadLetterQueue }>();
    for (const config of props.subscriptions) {
      // Construct ids come from the (unique, validated) names so reordering the list
      // does not replace subscriptions.
      const scopeForPartner = new Construct(this, config.name);
      const deadLetter = new DeadLetterQueue(scopeForPartner, 'DeadLetter', {
        encryptionKey: props.encryptionKey,
        alarmAction: props.alarmAction,
        purpose: `partners topic deliveries to "${config.name}" (${config.protocol}) that SNS gave up on`,
      });
      const subscription = new Subscription(scopeForPartner, 'Subscription', {
        topic: props.topic,
        protocol: PROTOCOLS[config.protocol],
        endpoint: config.endpoint,
        deadLetterQueue: deadLetter.queue,
        ...withRawDelivery(rawDelivery(config)),
      });
      if (config.filterPolicy !== undefined) {
        const cfn = subscription.node.defaultChild as CfnSubscription;
        cfn.filterPolicy = config.filterPolicy;
        cfn.filterPolicyScope = 'MessageAttributes';
      }
      byName.set(config.name, { subscription, deadLetter });
    }
    this.byName = byName;
  }
}
