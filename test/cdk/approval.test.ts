/**
 * The stack with approval configured: the approval endpoint is a public Function URL
 * with reserved concurrency and its own signing key, it may only read heads, write
 * decisions and publish to the approvals topic, ingest gets exactly what proofs need,
 * and cdk-nag stays clean. Without approval none of it exists.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { APPROVAL_CONCURRENCY } from '../../lib/approval-endpoint';
import { buildStack, synthTemplate, TEST_CONFIG_INPUT } from './helpers';
import {
  actions,
  type Json,
  logicalId,
  resourceList,
  resourcesOfType,
  roleStatements,
} from './template';

const APPROVAL = {
  approvers: [
    { email: 'head.of.comms@example.org', name: 'Sam Head' },
    { email: 'duty.officer@example.org', name: 'Ola Duty' },
  ],
  required: 2,
};
const CONFIG = { ...TEST_CONFIG_INPUT, approval: APPROVAL };
const { stack, template } = synthTemplate({ config: CONFIG });
const json = template.toJSON() as { Resources: Record<string, Json> };

function fnOf(name: string) {
  const f = stack.functions[name];
  if (!f) throw new Error(`no function ${name}`);
  return f;
}
const statementsOf = (name: string) =>
  roleStatements(template, logicalId(fnOf(name).executionRole));
const envOf = (name: string) => {
  const props = json.Resources[logicalId(fnOf(name))]?.Properties as Json;
  return ((props.Environment as Json).Variables ?? {}) as Record<string, unknown>;
};

describe('approval in the stack', () => {
  it('serves the approval function at a public Function URL with reserved concurrency', () => {
    const approval = logicalId(fnOf('approval'));
    const urls = resourcesOfType(template, 'AWS::Lambda::Url').filter(([, r]) =>
      JSON.stringify((r.Properties as Json).TargetFunctionArn).includes(approval),
    );
    expect(urls).toHaveLength(1);
    expect(urls[0]?.[1].Properties).toMatchObject({ AuthType: 'NONE' });
    expect(json.Resources[approval]?.Properties).toMatchObject({
      ReservedConcurrentExecutions: APPROVAL_CONCURRENCY,
    });
  });

  it('lets the approval function read heads, write decisions and publish decisions, nothing more', () => {
    const granted = statementsOf('approval').flatMap((s) => actions(s));
    expect(new Set(granted)).toEqual(
      new Set([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
        'sns:Publish',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
      ]),
    );
    for (const statement of statementsOf('approval')) {
      if (actions(statement).some((a) => a.startsWith('xray:'))) continue;
      expect(resourceList(statement)).not.toContain('*');
    }
  });

  it('gives ingest SES sending as the verified identity, the approval key and the press list', () => {
    const ingest = statementsOf('ingest');
    const ses = ingest.filter((s) => actions(s).includes('ses:SendRawEmail'));
    expect(ses).toHaveLength(1);
    expect(JSON.stringify(resourceList(ses[0] ?? { Action: [], Effect: 'Allow' }))).toMatch(
      /identity\/example\.org/,
    );
    expect(JSON.stringify(ingest)).toMatch(/lists\/\*/);
    const env = envOf('ingest');
    expect(JSON.parse(String(env.APPROVAL_SETTINGS))).toMatchObject({ required: 2 });
    expect(JSON.parse(String(env.PARTNER_FILTERS))).toEqual([
      { name: 'police', filterPolicy: { type: ['statement.released'] } },
      expect.objectContaining({ name: 'health-trust' }),
      { name: 'archive', filterPolicy: null },
    ]);
    for (const name of [
      'APPROVAL_URL',
      'APPROVAL_SECRET_ARN',
      'SENDER_FROM',
      'SES_CONFIGURATION_SET',
    ]) {
      expect(env[name], name).toBeDefined();
    }
  });

  it('subscribes ingest to the approvals topic (decisions from the approval function)', () => {
    const topics = resourcesOfType(template, 'AWS::SNS::Topic').filter(([id]) =>
      id.startsWith('MessagingApprovals'),
    );
    expect(topics).toHaveLength(1);
    const [topicId] = topics[0] ?? [''];
    const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription').filter(([, r]) =>
      JSON.stringify((r.Properties as Json).TopicArn).includes(topicId),
    );
    expect(subscriptions.map(([, r]) => (r.Properties as Json).Protocol)).toEqual(['lambda']);
    expect(JSON.stringify(subscriptions[0]?.[1])).toContain(logicalId(fnOf('ingest')));
    expect(envOf('approval').APPROVALS_TOPIC_ARN).toEqual({ Ref: topicId });
  });

  it('stays cdk-nag clean', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    const { app } = buildStack({ config: CONFIG, nag: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses approval settings too large for a Lambda environment', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      email: `approver-number-${i}@a-rather-long-domain-name.example.org`,
      name: `Approver with a long name number ${i}`,
    }));
    expect(() =>
      buildStack({ config: { ...TEST_CONFIG_INPUT, approval: { approvers: many } } }),
    ).toThrow(/4 KB/);
  });
});

describe('without approval', () => {
  it('has no approval function, topic, key or ingest settings', () => {
    const plain = synthTemplate().template;
    expect(Object.keys(synthTemplate().stack.functions)).not.toContain('approval');
    expect(
      resourcesOfType(plain, 'AWS::SNS::Topic').filter(([id]) =>
        id.startsWith('MessagingApprovals'),
      ),
    ).toEqual([]);
    expect(JSON.stringify(plain.toJSON())).not.toMatch(/APPROVAL_|ApprovalKey/);
  });
});
