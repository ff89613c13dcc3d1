/**
 * The local stack runs what is deployed: every function is booted through its entry
 * (functions/<name>/index.ts) with the environment the stack built for it, and reaches
 * AWS only through the SDK clients that entry made. The recorded SDK calls show it: each
 * names the function whose clients made it, and touches only resources that function's
 * environment names.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { firstAddress, headerValue } from '../../local/outbox';
import type { AwsCall } from '../../local/stack';
import { httpsRequest, startTestStack, type TestStack } from '../helpers/local-stack';

const ID = 'bscp-2024-02-scr';

/** The resource names and ARNs a call's input carries. */
const resourceFields = z.object({
  Bucket: z.string().optional(),
  TableName: z.string().optional(),
  RequestItems: z.record(z.string(), z.unknown()).optional(),
  TopicArn: z.string().optional(),
  QueueUrl: z.string().optional(),
  SecretId: z.string().optional(),
  GroupName: z.string().optional(),
  Target: z
    .object({
      Arn: z.string(),
      RoleArn: z.string(),
      DeadLetterConfig: z.object({ Arn: z.string() }).optional(),
    })
    .optional(),
});

function resourcesOf(call: AwsCall): string[] {
  const fields = resourceFields.parse(call.input);
  return [
    fields.Bucket,
    fields.TableName,
    ...Object.keys(fields.RequestItems ?? {}),
    fields.TopicArn,
    fields.QueueUrl,
    fields.SecretId,
    fields.GroupName,
    fields.Target?.Arn,
    fields.Target?.RoleArn,
    fields.Target?.DeadLetterConfig?.Arn,
  ].filter((value): value is string => value !== undefined);
}

describe('the local stack boots each function through its entry', () => {
  let stack: TestStack;
  const calls: AwsCall[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ onAwsCall: (call) => calls.push(call) });
    // An embargoed statement: ingest, dispatch, send now; release and website-hook at the lift.
    await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
    await stack.drain();
    // One journalist follows the one-click unsubscribe link: the unsubscribe function.
    const [email] = await stack.emlFiles(ID, 1);
    const raw = await readFile(`${stack.paths.outbox}/${ID}/1/${email}`, 'utf8');
    const link = /<(https:\/\/[^>]+)>/.exec(headerValue(raw, 'list-unsubscribe') ?? '')?.[1] ?? '';
    const unsubscribed = await httpsRequest(link, {
      ca: await readFile(stack.paths.tlsCert, 'utf8'),
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status, `unsubscribing ${firstAddress(raw)}`).toBe(200);
    await stack.advanceClock('2024-02-21T00:01:00Z');
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('records each function calling AWS through the clients its entry made', () => {
    const used = new Set(calls.map((c) => `${c.function} ${c.service}:${c.command}`));

    expect([...used]).toEqual(
      expect.arrayContaining([
        'ingest s3:GetObject',
        'ingest s3:PutObject',
        'ingest dynamodb:PutItem',
        'ingest sns:Publish',
        'ingest scheduler:CreateSchedule',
        'dispatch s3:GetObject',
        'dispatch dynamodb:BatchGetItem',
        'dispatch sqs:SendMessageBatch',
        'send s3:GetObject',
        'send secretsmanager:GetSecretValue',
        'send ses:SendRawEmail',
        'send dynamodb:PutItem',
        'unsubscribe secretsmanager:GetSecretValue',
        'unsubscribe dynamodb:PutItem',
        'release s3:GetObject',
        'release s3:PutObject',
        'release sns:Publish',
        'website-hook secretsmanager:GetSecretValue',
        'website-hook dynamodb:UpdateItem',
      ]),
    );
    // Nothing triggers feedback locally; every other function ran.
    expect(new Set(calls.map((c) => c.function))).toEqual(
      new Set(['ingest', 'dispatch', 'send', 'unsubscribe', 'release', 'website-hook']),
    );
  });

  it("touches only the resources named in the calling function's own environment", () => {
    const strays = calls.flatMap((call) => {
      const environment = Object.entries(stack.environments).find(
        ([name]) => name === call.function,
      )?.[1];
      const named = new Set(Object.values(environment ?? {}));
      return resourcesOf(call)
        .filter((resource) => !named.has(resource))
        .map((resource) => `${call.function} ${call.service}:${call.command} ${resource}`);
    });

    expect(strays).toEqual([]);
    // Every call but SES's (the sender identity is in the message) names a resource.
    expect(calls.filter((c) => c.service !== 'ses' && resourcesOf(c).length === 0)).toEqual([]);
  });

  it("uses each function's own variables: its topics, queue, press list, secrets and schedule target", () => {
    const inputs = (fn: string, command: string) =>
      calls
        .filter((c) => c.function === fn && c.command === command)
        .map((c) => resourceFields.extend({ Key: z.string().optional() }).parse(c.input));
    const env = stack.environments;

    expect(new Set(inputs('ingest', 'Publish').map((i) => i.TopicArn))).toEqual(
      new Set([
        env.ingest.PRESS_TOPIC_ARN,
        env.ingest.PARTNERS_TOPIC_ARN,
        env.ingest.OPS_TOPIC_ARN,
      ]),
    );
    expect(inputs('ingest', 'CreateSchedule')).toEqual([
      expect.objectContaining({
        GroupName: env.ingest.SCHEDULE_GROUP,
        Target: {
          Arn: env.ingest.RELEASE_FUNCTION_ARN,
          RoleArn: env.ingest.SCHEDULER_ROLE_ARN,
          DeadLetterConfig: { Arn: env.ingest.SCHEDULER_DLQ_ARN },
        },
      }),
    ]);
    expect(inputs('dispatch', 'GetObject').map((i) => i.Key)).toContain(
      env.dispatch.PRESS_LIST_KEY,
    );
    expect(new Set(inputs('dispatch', 'SendMessageBatch').map((i) => i.QueueUrl))).toEqual(
      new Set([env.dispatch.SEND_QUEUE_URL]),
    );
    expect(new Set(inputs('send', 'GetSecretValue').map((i) => i.SecretId))).toEqual(
      new Set([env.send.UNSUBSCRIBE_SECRET_ARN]),
    );
    expect(new Set(inputs('release', 'Publish').map((i) => i.TopicArn))).toEqual(
      new Set([
        env.release.PARTNERS_TOPIC_ARN,
        env.release.WEBSITE_TOPIC_ARN,
        env.release.OPS_TOPIC_ARN,
      ]),
    );
    expect(new Set(inputs('website-hook', 'GetSecretValue').map((i) => i.SecretId))).toEqual(
      new Set([env['website-hook'].WEBHOOK_SECRET_ARN]),
    );
  });

  it('names resources the way AWS does', () => {
    const { ingest, dispatch, send } = stack.environments;

    expect(ingest.PRESS_TOPIC_ARN).toMatch(/^arn:aws:sns:eu-west-2:000000000000:[\w-]+$/);
    expect(ingest.RELEASE_FUNCTION_ARN).toMatch(
      /^arn:aws:lambda:eu-west-2:000000000000:function:[\w-]+$/,
    );
    expect(ingest.SCHEDULER_ROLE_ARN).toMatch(/^arn:aws:iam::000000000000:role\/[\w-]+$/);
    expect(ingest.SCHEDULER_DLQ_ARN).toMatch(/^arn:aws:sqs:eu-west-2:000000000000:[\w-]+$/);
    expect(dispatch.SEND_QUEUE_URL).toMatch(
      /^https:\/\/sqs\.eu-west-2\.amazonaws\.com\/000000000000\/[\w-]+$/,
    );
    expect(send.UNSUBSCRIBE_SECRET_ARN).toMatch(
      /^arn:aws:secretsmanager:eu-west-2:000000000000:secret:[\w/-]+-[A-Za-z0-9]{6}$/,
    );
  });
});
