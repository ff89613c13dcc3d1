/**
 * Approval as deployed: every AWS call of the approval function and of ingest's
 * approval path (proofs over SES, the signing key, the press list, decisions
 * through the approvals topic) is allowed by the stack synthesized with
 * `approval` configured, and removing a grant is caught.
 */
import type { LambdaFunctionURLEvent, SNSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApprovalToken } from '../../core/security/approval-token';
import type { AwsCallRecord } from '../../functions/shared/aws-call-recorder';
import { TEST_CONFIG_INPUT } from '../cdk/helpers';
import { sampleInput } from '../fixtures/statements';
import { functionUrlEvent } from '../helpers/function-url';
import { s3Event, s3Record, TestClock } from '../helpers/herald-fakes';
import {
  assertPermitted,
  deployedEnvironments,
  PermissionDeniedError,
  synthesizeHerald,
} from './evaluate';
import { heraldHandlers } from './herald-handlers';
import { RecordedWorld } from './recorded-world';
import type { CfnTemplate } from './template-model';

const SECRET = 'k'.repeat(64);
const NOW = '2024-02-20T12:00:00.000Z';
const APPROVERS = [
  { email: 'head.of.comms@example.org', name: 'Sam Head' },
  { email: 'duty.officer@example.org', name: 'Ola Duty' },
];
const { template, functions } = synthesizeHerald({
  config: { ...TEST_CONFIG_INPUT, approval: { approvers: APPROVERS, required: 2 } },
});
const environments = deployedEnvironments(template, functions);

function urlEvent(method: 'GET' | 'POST', token: string): LambdaFunctionURLEvent {
  return functionUrlEvent({
    method,
    token,
    at: NOW,
    ...(method === 'POST' ? { body: `t=${encodeURIComponent(token)}` } : {}),
  });
}

function snsEvent(message: string): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:eu-west-2:123456789012:approvals:sub',
        Sns: {
          Type: 'Notification',
          MessageId: 'sns-1',
          TopicArn: environments.approval?.APPROVALS_TOPIC_ARN ?? '',
          Subject: '',
          Message: message,
          Timestamp: NOW,
          SignatureVersion: '1',
          Signature: 'x',
          SigningCertUrl: 'https://example.invalid/cert',
          UnsubscribeUrl: 'https://example.invalid/unsub',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** Upload → proofs → two approvals through the endpoint → ingest goes ahead. */
async function approvalPath(): Promise<AwsCallRecord[]> {
  const world = new RecordedWorld(SECRET);
  const clock = new TestClock(new Date(NOW));
  const handlers = heraldHandlers(world, environments, clock);
  const approval = handlers.approval;
  if (!approval) throw new Error('the stack has no approval function');
  world.bucket.write(
    environments.ingest?.PRESS_LIST_KEY ?? '',
    'email,name,outlet,topics\nann@example.org,Ann Reporter,Daily Post,safeguarding\n',
  );
  const versionId = world.bucket.write('incoming/s.json', JSON.stringify(sampleInput()));
  expect(await handlers.ingest(s3Event(s3Record('incoming/s.json', { versionId })))).toMatchObject([
    { outcome: 'awaiting-approval' },
  ]);
  expect(world.emails).toHaveLength(2);

  const outcomes: string[] = [];
  for (const approver of APPROVERS) {
    const token = createApprovalToken(
      {
        id: sampleInput().id,
        revision: 1,
        approver: approver.email,
        name: approver.name,
        action: 'approve',
        expires: Math.floor(Date.parse(NOW) / 1000) + 3600,
      },
      SECRET,
    );
    expect(await approval(urlEvent('GET', token))).toMatchObject({ statusCode: 200 });
    expect(await approval(urlEvent('POST', token))).toMatchObject({ statusCode: 200 });
    const decision = world.published.at(-1);
    expect(decision?.topicArn).toBe(environments.approval?.APPROVALS_TOPIC_ARN);
    const [outcome] = await handlers.ingest(snsEvent(decision?.body ?? ''));
    outcomes.push(outcome?.outcome ?? '');
  }
  expect(outcomes).toEqual(['awaiting-approval', 'published']);
  return world.calls;
}

describe('approval, as deployed', () => {
  let calls: AwsCallRecord[] = [];
  beforeAll(async () => {
    calls = await approvalPath();
  });

  it('drives the approval function and the calls ingest makes for proofs', () => {
    const made = new Set(calls.map((c) => `${c.function} ${c.service}:${c.command}`));
    for (const expected of [
      'approval secretsmanager:GetSecretValue',
      'approval dynamodb:GetItem',
      'approval dynamodb:PutItem',
      'approval sns:Publish',
      'ingest secretsmanager:GetSecretValue',
      'ingest ses:SendRawEmail',
      'ingest s3:GetObject',
      'ingest sns:Publish',
    ]) {
      expect(made, expected).toContain(expected);
    }
  });

  it('allows every call', async () => {
    await expect(
      assertPermitted(calls, { template, functions, environments }),
    ).resolves.toMatchObject({
      denied: [],
    });
  });

  it('catches a removed grant (ingest sending proofs over SES)', async () => {
    const json = structuredClone(template.toJSON()) as CfnTemplate & {
      Resources: Record<
        string,
        { Type: string; Properties?: { PolicyDocument?: { Statement: { Action: unknown }[] } } }
      >;
    };
    // Only ingest made SES calls here, so taking the action from every policy is taking it from ingest.
    for (const resource of Object.values(json.Resources)) {
      const document = resource.Properties?.PolicyDocument;
      if (resource.Type !== 'AWS::IAM::Policy' || !document) continue;
      document.Statement = document.Statement.filter((s) => s.Action !== 'ses:SendRawEmail');
    }
    await expect(
      assertPermitted(calls, { template: json, functions, environments }),
    ).rejects.toThrow(PermissionDeniedError);
    await expect(
      assertPermitted(calls, { template: json, functions, environments }),
    ).rejects.toThrow(/ingest: ses:SendRawEmail/);
  });
});
