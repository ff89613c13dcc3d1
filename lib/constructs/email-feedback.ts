/**
 * SES configuration set and the bounce/complaint feedback loop:
 * reputation metrics on, SES's suppression list for bounces and complaints, and
 * BOUNCE/COMPLAINT events published to an encrypted SNS topic that `feedback`
 * (added by the stack) turns into ledger suppressions.
 */
import { Stack } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  ConfigurationSet,
  EmailSendingEvent,
  EventDestination,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface EmailFeedbackProps {
  /** Key for the feedback topic (its policy must allow ses.amazonaws.com). */
  readonly encryptionKey: IKey;
}

export class EmailFeedback extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly topic: Topic;
  /** `arn:…:ses:<region>:<account>:configuration-set/<name>`. */
  readonly configurationSetArn: string;

  constructor(scope: Construct, id: string, props: EmailFeedbackProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    this.topic = new Topic(this, 'Topic', {
      displayName: 'Herald SES bounces and complaints',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CDK adds the topic-policy statement letting SES (this account and
    // configuration set only) publish; the key policy (Messaging) lets SES use the key.
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(this.topic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
  }
}
