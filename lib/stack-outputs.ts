/**
 * The stack's outputs: what an operator needs after `cdk deploy` (docs/deploy.md):
 * where to upload, the topic ARNs partners and the website are given, the unsubscribe
 * and approval URLs, and the names the CLI asks for.
 */
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { ApprovalEndpoint } from './approval-endpoint';
import type { HeraldFunction } from './constructs/herald-function';
import type { Foundation } from './foundation';

export interface OutputSources {
  readonly unsubscribeUrl: FunctionUrl;
  readonly ingest: HeraldFunction;
  readonly approval: ApprovalEndpoint | undefined;
}

export function addOutputs(stack: Stack, base: Foundation, sources: OutputSources): void {
  const { config, messaging, ledger, email } = base;
  const bucketName = base.statements.bucket.bucketName;
  new CfnOutput(stack, 'BucketName', { value: bucketName });
  new CfnOutput(stack, 'UploadCommand', {
    description: 'Publish a statement',
    value: `aws s3 cp statement.json s3://${bucketName}/incoming/`,
  });
  new CfnOutput(stack, 'PressListCommand', {
    description: 'Upload the press list',
    value: `aws s3 cp press.csv s3://${bucketName}/${config.press.listKey}`,
  });
  new CfnOutput(stack, 'PartnersTopicArn', {
    description:
      "Partner agencies' queue policies allow sqs:SendMessage from this topic (docs/partners.md); Herald makes the subscriptions",
    value: messaging.partners.topicArn,
  });
  new CfnOutput(stack, 'PressTopicArn', { value: messaging.press.topicArn });
  new CfnOutput(stack, 'WebsiteTopicArn', { value: messaging.website.topicArn });
  new CfnOutput(stack, 'OpsTopicArn', { value: messaging.ops.topicArn });
  new CfnOutput(stack, 'UnsubscribeUrl', { value: sources.unsubscribeUrl.url });
  new CfnOutput(stack, 'LedgerTableName', { value: ledger.tableName });
  new CfnOutput(stack, 'WebhookSecretArn', {
    description:
      'Give the website its signing secret: aws secretsmanager get-secret-value --secret-id <this>',
    value: base.webhookSecret.secretArn,
  });
  new CfnOutput(stack, 'SesConfigurationSet', {
    value: email.configurationSet.configurationSetName,
  });
  if (sources.approval) {
    new CfnOutput(stack, 'IngestFunctionName', {
      description:
        'For herald approve / herald reject: npx herald approve <id> --revision <n> --table <LedgerTableName> --function <this>',
      value: sources.ingest.functionName,
    });
    new CfnOutput(stack, 'ApprovalUrl', { value: sources.approval.url.url });
  }
}
