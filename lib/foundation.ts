/**
 * What every part of the Herald stack is built on, made first and passed to each
 * part: the messaging key and topics (with the ops emails and the alarm action),
 * the dead-letter queue for SNS deliveries to Herald itself, the statements bucket,
 * the ledger, the two HMAC secrets and the SES configuration set with its feedback topic.
 */
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { HeraldConfig } from '../core/config/schema';
import { EmailFeedback } from './constructs/email-feedback';
import { Messaging } from './constructs/messaging';
import { acknowledge } from './constructs/nag';
import { DeadLetterQueue } from './constructs/queues';
import { StatementsBucket } from './constructs/statements-bucket';

export interface Foundation {
  readonly config: HeraldConfig;
  readonly messaging: Messaging;
  /** Tells the ops topic: every alarm's action. */
  readonly alarmAction: SnsAction;
  /** SNS deliveries to Herald's own queues, functions and ops emails that SNS gave up on. */
  readonly deliveryDeadLetter: DeadLetterQueue;
  readonly statements: StatementsBucket;
  readonly ledger: Table;
  /** HMAC key for one-click unsubscribe tokens. */
  readonly unsubscribeKey: Secret;
  /** Signing secret for the website build hook. */
  readonly webhookSecret: Secret;
  readonly email: EmailFeedback;
  /** The variables most functions share. */
  readonly common: { readonly LEDGER_TABLE: string; readonly BUCKET_NAME: string };
}

export function buildFoundation(stack: Stack, config: HeraldConfig): Foundation {
  const messaging = new Messaging(stack, 'Messaging', {
    approvals: config.approval !== undefined,
  });
  const alarmAction = new SnsAction(messaging.ops);
  const deliveryDeadLetter = new DeadLetterQueue(stack, 'DeliveryDeadLetter', {
    encryptionKey: messaging.key,
    alarmAction,
    purpose: "SNS deliveries to Herald's own queues, functions and ops emails that SNS gave up on",
  });
  for (const email of config.opsEmails) {
    messaging.ops.addSubscription(
      new EmailSubscription(email, { deadLetterQueue: deliveryDeadLetter.queue }),
    );
  }
  const statements = new StatementsBucket(stack, 'Statements');
  const ledger = ledgerTable(stack);
  const { unsubscribeKey, webhookSecret } = secrets(stack);
  const email = new EmailFeedback(stack, 'Email', { encryptionKey: messaging.key });
  return {
    config,
    messaging,
    alarmAction,
    deliveryDeadLetter,
    statements,
    ledger,
    unsubscribeKey,
    webhookSecret,
    email,
    common: { LEDGER_TABLE: ledger.tableName, BUCKET_NAME: statements.bucket.bucketName },
  };
}

function ledgerTable(stack: Stack): Table {
  return new Table(stack, 'Ledger', {
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
}

function secrets(stack: Stack): { unsubscribeKey: Secret; webhookSecret: Secret } {
  return {
    unsubscribeKey: signingSecret(
      stack,
      'UnsubscribeKey',
      'Herald: HMAC key for one-click unsubscribe tokens',
      'Rotating the unsubscribe HMAC key would break every unsubscribe link already sent; rotate by hand if it leaks (docs/deploy.md).',
    ),
    webhookSecret: signingSecret(
      stack,
      'WebhookSecret',
      'Herald: signing secret for the website build hook (X-Herald-Signature)',
      'The website verifies signatures with this shared secret; rotation must be coordinated with the site operator, so it is manual (docs/deploy.md).',
    ),
  };
}

/**
 * A generated 64-character secret for signing links or requests. Never rotated
 * automatically: `whyManualRotation` says what rotating it would break.
 */
export function signingSecret(
  stack: Stack,
  id: string,
  description: string,
  whyManualRotation: string,
): Secret {
  const secret = new Secret(stack, id, {
    description,
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
  });
  acknowledge(secret, ['AwsSolutions-SMG4'], whyManualRotation);
  return secret;
}
