/**
 * The Herald stack's intent: triggers, encryption, least privilege, dead-letter
 * queues with alarms, partner subscriptions, embargo scheduling. Bundling is
 * skipped here (test/cdk/bundling.test.ts bundles for real).
 */
import { App, Stack, Token } from 'aws-cdk-lib';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_EARLY_WAIT_MS } from '../../functions/release/release';
import { HERALD_RUNTIME, HeraldFunction } from '../../lib/constructs/herald-function';
import { rawDelivery } from '../../lib/constructs/partner-subscriptions';
import {
  MAX_PUBLIC_URL_CONCURRENCY,
  PublicFunctionUrl,
} from '../../lib/constructs/public-function-url';
import { SWEEP_EVENT } from '../../lib/constructs/release-sweep';
import { ASYNC_MAX_EVENT_AGE, ASYNC_RETRY_ATTEMPTS } from '../../lib/function-wiring';
import { sendPacing, UNSUBSCRIBE_CONCURRENCY } from '../../lib/herald-stack';
import { synthTemplate, TEST_CONFIG_INPUT } from './helpers';
import {
  actions,
  allIdentityStatements,
  arnOf,
  type Json,
  logicalId,
  objectsArn,
  type PolicyStatementJson,
  ref,
  resourceList,
  resources,
  resourcesOfType,
  roleStatements,
} from './template';

const { stack, template } = synthTemplate();
const fns = stack.functions;
const fnNames = Object.keys(fns);
const fn = (name: string) => {
  const f = fns[name];
  if (!f) throw new Error(`no function ${name}`);
  return f;
};
const roleOf = (name: string) => logicalId(fn(name).executionRole);
const statementsOf = (name: string) => roleStatements(template, roleOf(name));

const [bucketId] = resourcesOfType(template, 'AWS::S3::Bucket')
  .filter(([, r]) => (r.Properties?.VersioningConfiguration as Json | undefined) !== undefined)
  .map(([id]) => id);
const topicId = (name: 'Press' | 'Partners' | 'Website' | 'Ops') => {
  const [id] = resourcesOfType(template, 'AWS::SNS::Topic')
    .map(([id]) => id)
    .filter((id) => id.startsWith(`Messaging${name}`));
  if (!id) throw new Error(`no ${name} topic`);
  return id;
};

describe('statements bucket', () => {
  it('triggers ingest only for incoming/*.json', () => {
    const rules = new Capture();
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: rules } },
            LambdaFunctionArn: arnOf(logicalId(fn('ingest'))),
          },
        ],
      },
    });
    expect(rules.asArray()).toEqual(
      expect.arrayContaining([
        { Name: 'prefix', Value: 'incoming/' },
        { Name: 'suffix', Value: '.json' },
      ]),
    );
    expect(rules.asArray()).toHaveLength(2);
  });

  it('is versioned, encrypted, private, logged, and keeps superseded versions for a year', () => {
    const logBucket = new Capture();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: logBucket },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 365 } }),
        ]),
      },
    });
    // The log bucket expires its logs and is itself private.
    const logBucketId = (logBucket.asObject() as { Ref: string }).Ref;
    expect(resources(template)[logBucketId]?.Properties).toMatchObject({
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 365 })] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  it('refuses non-TLS requests', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucketId ?? ''),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('outlives the stack', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }),
      DeletionPolicy: 'Retain',
    });
  });
});

describe('ledger', () => {
  it('is one pk/sk table, on demand, with PITR, TTL on expiresAt, encryption, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
      DeletionPolicy: 'Retain',
    });
  });
});

describe('messaging encryption', () => {
  it('uses one rotating customer-managed key for every topic and queue', () => {
    const keys = resourcesOfType(template, 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] ?? ['', { Type: '' }];
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    for (const [id, topic] of resourcesOfType(template, 'AWS::SNS::Topic')) {
      expect(topic.Properties?.KmsMasterKeyId, id).toEqual(arnOf(keyId));
    }
    for (const [id, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
      expect(queue.Properties?.KmsMasterKeyId, id).toEqual(arnOf(keyId));
    }
  });

  it('lets SNS, CloudWatch and SES use the key for this account only', () => {
    const statements = new Capture();
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: statements },
    });
    const services = (statements.asArray() as PolicyStatementJson[])
      .filter((s) => JSON.stringify(s.Principal).includes('.amazonaws.com'))
      .map((s) => {
        expect(s.Condition).toEqual({
          StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
        });
        return (s.Principal as { Service: string }).Service;
      });
    expect(services.sort()).toEqual([
      'cloudwatch.amazonaws.com',
      'ses.amazonaws.com',
      'sns.amazonaws.com',
    ]);
  });

  it('refuses non-TLS publishing on every topic', () => {
    for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('lets CloudWatch alarms publish to ops', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(topicId('Ops'))],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
          }),
        ]),
      },
    });
  });
});

describe('least privilege', () => {
  it('allows ses:SendRawEmail from send only, on the identity and configuration set only', () => {
    const sesStatements = allIdentityStatements(template).filter((s) =>
      actions(s).some((a) => a.startsWith('ses:')),
    );
    expect(sesStatements).toHaveLength(1);
    expect(statementsOf('send')).toContainEqual(sesStatements[0]);
    const [statement] = sesStatements;
    expect(actions(statement ?? { Effect: 'Allow', Action: [] })).toEqual(['ses:SendRawEmail']);
    const [configSetId] = resourcesOfType(template, 'AWS::SES::ConfigurationSet').map(([id]) => id);
    const sesResources = resourceList(statement ?? { Effect: 'Allow', Action: [] });
    expect(sesResources).toHaveLength(2);
    expect(sesResources).toEqual(
      expect.arrayContaining([
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              ref('AWS::Partition'),
              ':ses:',
              ref('AWS::Region'),
              ':',
              ref('AWS::AccountId'),
              `:identity/${TEST_CONFIG_INPUT.sender.sesIdentity}`,
            ],
          ],
        },
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              ref('AWS::Partition'),
              ':ses:',
              ref('AWS::Region'),
              ':',
              ref('AWS::AccountId'),
              ':configuration-set/',
              ref(configSetId ?? ''),
            ],
          ],
        },
      ]),
    );
  });

  it.each([
    ['ingest', ['Ops', 'Partners', 'Press', 'Website']],
    ['release', ['Ops', 'Partners', 'Website']],
    ['dispatch', ['Ops']],
    ['send', ['Ops']],
    ['feedback', []],
    ['unsubscribe', []],
    ['website-hook', []],
  ] as const)('lets %s publish to %j only', (name, topics) => {
    const published = statementsOf(name)
      .filter((s) => actions(s).includes('sns:Publish'))
      .flatMap(resourceList);
    expect(published).toEqual(expect.arrayContaining(topics.map((t) => ref(topicId(t)))));
    expect(published).toHaveLength(topics.length);
    expect(statementsOf(name).flatMap(actions)).not.toContain('sns:*');
  });

  it.each([
    [
      'ingest',
      {
        'incoming/': ['s3:GetObject', 's3:GetObjectVersion'],
        'rejected/': ['s3:PutObject'],
        'rendered/': ['s3:GetObject', 's3:PutObject'],
        'published/': ['s3:PutObject'],
      },
    ],
    ['dispatch', { 'rendered/': ['s3:GetObject'], 'lists/': ['s3:GetObject'] }],
    ['send', { 'rendered/': ['s3:GetObject'] }],
    ['release', { 'rendered/': ['s3:GetObject'], 'published/': ['s3:GetObject', 's3:PutObject'] }],
    ['feedback', {}],
    ['unsubscribe', {}],
    ['website-hook', {}],
  ] as const)(
    'scopes %s object access to its prefixes',
    (name, expected: Readonly<Record<string, readonly string[]>>) => {
      const objectStatements = statementsOf(name).filter((s) =>
        actions(s).some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'),
      );
      const granted = Object.fromEntries(
        objectStatements.flatMap((s) =>
          resourceList(s).map((r) => {
            const prefix = Object.keys(expected).find(
              (p) => JSON.stringify(r) === JSON.stringify(objectsArn(bucketId ?? '', p)),
            );
            return [prefix ?? `unexpected ${JSON.stringify(r)}`, actions(s)];
          }),
        ),
      );
      expect(granted).toEqual(expected);
    },
  );

  it('reads and writes the ledger table only', () => {
    const ledgerId = resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id]) => id)[0] ?? '';
    for (const name of fnNames) {
      const dynamo = statementsOf(name).filter((s) =>
        actions(s).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamo.flatMap(resourceList), name).toEqual([arnOf(ledgerId)]);
    }
  });

  it('lets feedback and unsubscribe only add suppressions to the ledger', () => {
    for (const name of ['feedback', 'unsubscribe']) {
      const dynamo = statementsOf(name).filter((s) =>
        actions(s).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamo.flatMap(actions), name).toEqual(['dynamodb:PutItem']);
    }
  });

  it('lets only send and unsubscribe read the unsubscribe key, and only website-hook the webhook secret', () => {
    const secrets = Object.fromEntries(
      resourcesOfType(template, 'AWS::SecretsManager::Secret').map(([id, r]) => [
        String(r.Properties?.Description),
        id,
      ]),
    );
    const readers = (secretId: string) =>
      fnNames.filter((name) =>
        statementsOf(name).some(
          (s) =>
            actions(s).includes('secretsmanager:GetSecretValue') &&
            resourceList(s).some((r) => JSON.stringify(r) === JSON.stringify(ref(secretId))),
        ),
      );
    const unsubscribeKey = Object.entries(secrets).find(([d]) => d.includes('unsubscribe'))?.[1];
    const webhookSecret = Object.entries(secrets).find(([d]) => d.includes('website'))?.[1];
    expect(readers(unsubscribeKey ?? '').sort()).toEqual(['send', 'unsubscribe']);
    expect(readers(webhookSecret ?? '')).toEqual(['website-hook']);
    for (const [, secret] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
      expect(secret.Properties?.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    }
  });

  it('never grants an action on every resource except X-Ray tracing', () => {
    for (const statement of allIdentityStatements(template)) {
      if (resourceList(statement).includes('*')) {
        const acts = actions(statement);
        const cdkProvider = acts.includes('s3:PutBucketNotification');
        expect(cdkProvider || acts.every((a) => a.startsWith('xray:')), JSON.stringify(acts)).toBe(
          true,
        );
      }
    }
  });
});

describe('embargo scheduling', () => {
  const [schedulerRoleId, schedulerRole] = resourcesOfType(template, 'AWS::IAM::Role').find(
    ([, r]) =>
      JSON.stringify(r.Properties?.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
  ) ?? ['', { Type: '' }];

  it('has a role only EventBridge Scheduler (this account, Herald group) can assume', () => {
    const [groupId] = resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup').map(([id]) => id);
    expect(schedulerRole.Properties?.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': ref('AWS::AccountId'),
              'aws:SourceArn': arnOf(groupId ?? ''),
            },
          },
        },
      ],
    });
  });

  it('may invoke release and nothing else, and send to its DLQ', () => {
    const statements = roleStatements(template, schedulerRoleId);
    const invoke = statements.filter((s) => actions(s).some((a) => a.startsWith('lambda:')));
    expect(invoke).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: arnOf(logicalId(fn('release'))),
      },
    ]);
    const ingestEnv = resources(template)[logicalId(fn('ingest'))]?.Properties?.Environment as {
      Variables: Json;
    };
    const sendTo = statements
      .filter((s) => actions(s).includes('sqs:SendMessage'))
      .flatMap(resourceList);
    expect(sendTo).toEqual([ingestEnv.Variables.SCHEDULER_DLQ_ARN]);
  });

  it('lets only ingest pass that role, only to Scheduler, and manage schedules in the group only', () => {
    const passRole = allIdentityStatements(template).filter((s) =>
      actions(s).includes('iam:PassRole'),
    );
    expect(passRole).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: arnOf(schedulerRoleId),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    expect(statementsOf('ingest')).toContainEqual(passRole[0]);
    const manage = statementsOf('ingest').find((s) =>
      actions(s).includes('scheduler:CreateSchedule'),
    );
    expect(actions(manage ?? { Effect: 'Allow', Action: [] }).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:GetSchedule',
    ]);
    expect(JSON.stringify(manage?.Resource)).toMatch(/:schedule\/[^"*]+\/\*"/);
  });
});

describe('releases that cannot be lost', () => {
  const releaseId = () => logicalId(fn('release'));
  const releaseDeadLetterId = () => {
    const [id] = resourcesOfType(template, 'AWS::SQS::Queue')
      .map(([id]) => id)
      .filter((id) => id.startsWith('ReleaseDeadLetter'));
    if (!id) throw new Error('no release dead-letter queue');
    return id;
  };

  it('retries a failed release twice within 6 hours, then puts it on its own dead-letter queue', () => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, r]) => JSON.stringify(r.Properties?.FunctionName) === JSON.stringify(ref(releaseId())),
    );
    expect(configs.map(([, r]) => r.Properties)).toEqual([
      {
        FunctionName: ref(releaseId()),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: ASYNC_RETRY_ATTEMPTS,
        MaximumEventAgeInSeconds: ASYNC_MAX_EVENT_AGE.toSeconds(),
        DestinationConfig: { OnFailure: { Destination: arnOf(releaseDeadLetterId()) } },
      },
    ]);
    expect(ASYNC_RETRY_ATTEMPTS).toBe(2);
    expect(ASYNC_MAX_EVENT_AGE.toSeconds()).toBe(21_600);
  });

  it('sweeps every 5 minutes: a rule invokes release with {"type":"sweep"}', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] ?? ['', { Type: '' }];
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(releaseId()),
          Input: JSON.stringify(SWEEP_EVENT),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
        },
      ],
    });
    expect(JSON.parse(String(((rule.Properties?.Targets ?? []) as Json[])[0]?.Input))).toEqual({
      type: 'sweep',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(releaseId()),
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf(ruleId),
    });
  });

  it('counts releases the sweep had to make ("lateRelease": true) and alarms to ops', () => {
    const filters = resourcesOfType(template, 'AWS::Logs::MetricFilter');
    expect(filters.map(([, r]) => r.Properties)).toEqual([
      {
        LogGroupName: ref(logicalId(fn('release').logs)),
        FilterPattern: '{ $.lateRelease IS TRUE }',
        MetricTransformations: [
          { MetricNamespace: 'Herald/Herald', MetricName: 'LateReleases', MetricValue: '1' },
        ],
      },
    ]);
    const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(
      ([, r]) => r.Properties?.MetricName === 'LateReleases',
    )?.[1];
    expect(alarm?.Properties).toMatchObject({
      Namespace: 'Herald/Herald',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topicId('Ops'))],
    });
    expect(String(alarm?.Properties?.AlarmDescription)).toContain(
      'a release had to be made by the sweep: a schedule was lost or its retries ran out',
    );
  });
});

describe('dead-letter queues and alarms', () => {
  const queues = resourcesOfType(template, 'AWS::SQS::Queue');
  const eventSourceQueues = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(
    ([, r]) => JSON.stringify(r.Properties?.EventSourceArn),
  );

  it('sends failed async invocations (S3 → ingest, SNS → feedback, Scheduler → release) to a DLQ after 2 retries', () => {
    for (const name of ['ingest', 'feedback', 'release']) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(logicalId(fn(name))),
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21_600,
        DestinationConfig: {
          OnFailure: { Destination: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) },
        },
      });
    }
  });

  it('gives every queue a Lambda reads from a redrive DLQ', () => {
    for (const [id, queue] of queues) {
      if (!eventSourceQueues.includes(JSON.stringify(arnOf(id)))) continue;
      expect(queue.Properties?.RedrivePolicy, id).toMatchObject({
        deadLetterTargetArn: expect.objectContaining({ 'Fn::GetAtt': expect.any(Array) }),
        maxReceiveCount: 5,
      });
    }
  });

  it('gives every SNS subscription a DLQ', () => {
    for (const [id, sub] of resourcesOfType(template, 'AWS::SNS::Subscription')) {
      expect(sub.Properties?.RedrivePolicy, id).toEqual({
        deadLetterTargetArn: expect.objectContaining({ 'Fn::GetAtt': expect.any(Array) }),
      });
    }
  });

  it('alarms to ops on every queue that is not a work queue (i.e. every DLQ)', () => {
    const dlqs = queues.filter(([id]) => !eventSourceQueues.includes(JSON.stringify(arnOf(id))));
    expect(dlqs.length).toBeGreaterThanOrEqual(10);
    for (const [id] of dlqs) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [ref(topicId('Ops'))],
      });
    }
  });

  it('alarms to ops on every function error', () => {
    for (const name of fnNames) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: ref(logicalId(fn(name))) }],
        AlarmActions: [ref(topicId('Ops'))],
      });
    }
  });

  it('subscribes every ops email to the ops topic', () => {
    for (const email of TEST_CONFIG_INPUT.opsEmails) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: ref(topicId('Ops')),
      });
    }
  });
});

describe('press path', () => {
  it('delivers press and website topics raw into their queues', () => {
    for (const [topic, queuePrefix] of [
      ['Press', 'PressQueue'],
      ['Website', 'WebsiteQueue'],
    ] as const) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        TopicArn: ref(topicId(topic)),
        Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queuePrefix}`), 'Arn'] },
      });
    }
  });

  it('paces send: batch of 1, bounded concurrency, batch item failures, visibility ≥ 6× timeout', () => {
    const pacing = sendPacing(TEST_CONFIG_INPUT.press.sendRatePerSecond);
    const queue = new Capture();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(logicalId(fn('send'))),
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: pacing.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: queue,
    });
    const queueId = (queue.asObject() as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const timeout = resources(template)[logicalId(fn('send'))]?.Properties?.Timeout as number;
    expect(resources(template)[queueId]?.Properties?.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * timeout,
    );
    // Concurrency × per-instance rate never exceeds the account's SES rate.
    expect(pacing.maxConcurrency * pacing.perInstanceRatePerSecond).toBeLessThanOrEqual(
      TEST_CONFIG_INPUT.press.sendRatePerSecond,
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SEND_RATE_PER_SECOND: String(pacing.perInstanceRatePerSecond),
        }),
      },
    });
  });

  it.each(['dispatch', 'website-hook'])('reports batch item failures from %s', (name) => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(logicalId(fn(name))),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives release time to wait for the lift and still publish before its timeout', () => {
    const timeout = resources(template)[logicalId(fn('release'))]?.Properties?.Timeout as number;
    expect(timeout).toBeGreaterThanOrEqual(DEFAULT_MAX_EARLY_WAIT_MS / 1000 + 30);
  });

  it.each([1, 14, 50, 1000])('keeps one send message within the timeout at %i/s', (rate) => {
    const pacing = sendPacing(rate);
    expect(pacing.maxConcurrency).toBeGreaterThanOrEqual(2);
    expect(pacing.maxConcurrency * pacing.perInstanceRatePerSecond).toBeLessThanOrEqual(rate);
    expect(50 / pacing.perInstanceRatePerSecond).toBeLessThan(pacing.timeout.toSeconds());
  });
});

describe('SES feedback', () => {
  it('has a configuration set with reputation metrics and bounce/complaint suppression', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('publishes bounces and complaints to the feedback topic that feedback subscribes to', () => {
    const topic = new Capture();
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: topic },
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: topic.asObject(),
      Endpoint: arnOf(logicalId(fn('feedback'))),
    });
  });
});

describe('partners', () => {
  it.each(TEST_CONFIG_INPUT.partners.subscriptions)(
    'subscribes $name ($protocol) with its filter policy and its own DLQ',
    (partner) => {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        TopicArn: ref(topicId('Partners')),
        Protocol: partner.protocol,
        Endpoint: partner.endpoint,
        FilterPolicy: 'filterPolicy' in partner ? partner.filterPolicy : Match.absent(),
        FilterPolicyScope: 'filterPolicy' in partner ? 'MessageAttributes' : Match.absent(),
        RawMessageDelivery: rawDelivery(partner) ?? Match.absent(),
        RedrivePolicy: {
          deadLetterTargetArn: {
            'Fn::GetAtt': [
              Match.stringLikeRegexp(
                `^PartnerSubscriptions${partner.name.replaceAll('-', '')}DeadLetter`,
              ),
              'Arn',
            ],
          },
        },
      });
    },
  );

  it('subscribes exactly the configured partners to the partners topic', () => {
    const endpoints = resourcesOfType(template, 'AWS::SNS::Subscription')
      .filter(
        ([, r]) =>
          JSON.stringify(r.Properties?.TopicArn) === JSON.stringify(ref(topicId('Partners'))),
      )
      .map(([, r]) => r.Properties?.Endpoint);
    expect(endpoints.sort()).toEqual(
      TEST_CONFIG_INPUT.partners.subscriptions.map((p) => p.endpoint).sort(),
    );
  });

  it('delivers raw to SQS queues, keeps the signed SNS wrapper for HTTPS, unless the config says otherwise', () => {
    const sqs = {
      name: 'q',
      protocol: 'sqs',
      endpoint: 'arn:aws:sqs:eu-west-2:111122223333:q',
    } as const;
    const https = { name: 'h', protocol: 'https', endpoint: 'https://example.net/h' } as const;
    expect(rawDelivery(sqs)).toBe(true);
    expect(rawDelivery({ ...sqs, rawMessageDelivery: false })).toBe(false);
    expect(rawDelivery(https)).toBeUndefined();
    expect(rawDelivery({ ...https, rawMessageDelivery: true })).toBe(true);
  });

  it('lets no one subscribe to any Herald topic: partners get their subscriptions from Herald', () => {
    const policies = resourcesOfType(template, 'AWS::SNS::TopicPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [id, policy] of policies) {
      const document = policy.Properties?.PolicyDocument as
        | { Statement: PolicyStatementJson[] }
        | undefined;
      const statements = document?.Statement ?? [];
      const allowsSubscribe = statements.filter(
        (s) =>
          s.Effect === 'Allow' &&
          actions(s).some((a) => ['sns:Subscribe', 'sns:*', '*'].includes(a)),
      );
      expect(allowsSubscribe, id).toEqual([]);
    }
  });
});

describe('functions', () => {
  it('uses the newest Node.js runtime aws-cdk-lib knows', () => {
    const version = (r: Runtime) => Number(/nodejs(\d+)/.exec(r.name)?.[1] ?? 0);
    const newest = Math.max(
      ...Object.values(Runtime)
        .filter((r): r is Runtime => r instanceof Runtime && r.family === RuntimeFamily.NODEJS)
        .map(version),
    );
    expect(version(HERALD_RUNTIME)).toBe(newest);
  });

  it.each(fnNames)(
    'runs %s on that runtime, ARM, traced, with source maps and Powertools env',
    (name) => {
      expect(resources(template)[logicalId(fn(name))]?.Properties).toMatchObject({
        Runtime: HERALD_RUNTIME.name,
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: ref(logicalId(fn(name).logs)) },
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: 'herald',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps',
            LEDGER_TABLE: expect.anything(),
          }),
        },
      });
    },
  );

  it.each([
    [
      'ingest',
      [
        'BUCKET_NAME',
        'PRESS_TOPIC_ARN',
        'PARTNERS_TOPIC_ARN',
        'WEBSITE_TOPIC_ARN',
        'OPS_TOPIC_ARN',
        'RELEASE_FUNCTION_ARN',
        'SCHEDULER_ROLE_ARN',
        'SCHEDULE_GROUP',
        'SCHEDULER_DLQ_ARN',
        'DEFAULT_TIMEZONE',
      ],
    ],
    ['release', ['BUCKET_NAME', 'PARTNERS_TOPIC_ARN', 'WEBSITE_TOPIC_ARN', 'OPS_TOPIC_ARN']],
    ['dispatch', ['BUCKET_NAME', 'SEND_QUEUE_URL', 'OPS_TOPIC_ARN', 'PRESS_LIST_KEY']],
    [
      'send',
      [
        'BUCKET_NAME',
        'SENDER_FROM',
        'SES_CONFIGURATION_SET',
        'UNSUBSCRIBE_BASE_URL',
        'UNSUBSCRIBE_SECRET_ARN',
        'SEND_RATE_PER_SECOND',
      ],
    ],
    ['unsubscribe', ['UNSUBSCRIBE_SECRET_ARN']],
    ['website-hook', ['WEBSITE_HOOK_URL', 'WEBHOOK_SECRET_ARN']],
  ])('gives %s the environment its entry reads', (name, variables) => {
    const env = resources(template)[logicalId(fn(name))]?.Properties?.Environment as {
      Variables: Json;
    };
    expect(Object.keys(env.Variables)).toEqual(expect.arrayContaining(variables));
  });

  it('passes the unsubscribe Function URL to send', () => {
    const [urlId] = resourcesOfType(template, 'AWS::Lambda::Url').map(([id]) => id);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          UNSUBSCRIBE_BASE_URL: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] },
        }),
      },
    });
  });

  it('exposes a public Function URL on unsubscribe only', () => {
    const urls = resourcesOfType(template, 'AWS::Lambda::Url');
    expect(urls.map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({
        AuthType: 'NONE',
        TargetFunctionArn: arnOf(logicalId(fn('unsubscribe'))),
      }),
    ]);
  });

  it('caps every public Function URL with reserved concurrency (unsubscribe: 5)', () => {
    const publicTargets = resourcesOfType(template, 'AWS::Lambda::Url')
      .filter(([, r]) => r.Properties?.AuthType === 'NONE')
      .map(
        ([, r]) =>
          (r.Properties?.TargetFunctionArn as { 'Fn::GetAtt'?: string[] } | undefined)?.[
            'Fn::GetAtt'
          ]?.[0] ?? 'no target',
      );
    expect(publicTargets).toEqual([logicalId(fn('unsubscribe'))]);
    for (const id of publicTargets) {
      expect(resources(template)[id]?.Properties?.ReservedConcurrentExecutions, id).toBe(
        UNSUBSCRIBE_CONCURRENCY,
      );
    }
    expect(UNSUBSCRIBE_CONCURRENCY).toBe(5);
    // Only public endpoints get a ceiling: the pipeline's functions share the account's pool.
    const reserved = resourcesOfType(template, 'AWS::Lambda::Function').filter(
      ([, r]) => r.Properties?.ReservedConcurrentExecutions !== undefined,
    );
    expect(reserved.map(([id]) => id)).toEqual(publicTargets);
  });

  it('tells ops when the unsubscribe endpoint throttles (real requests are being refused)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: ref(logicalId(fn('unsubscribe'))) }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [ref(topicId('Ops'))],
    });
  });

  it('refuses a public Function URL without a sane reservation', () => {
    const app = new App();
    const scope = new Stack(app, 'Scope');
    const target = new HeraldFunction(scope, 'Fn', { name: 'unsubscribe' });
    const alarmAction = new SnsAction(new Topic(scope, 'Ops'));
    for (const reservedConcurrency of [0, 2.5, MAX_PUBLIC_URL_CONCURRENCY + 1]) {
      expect(
        () =>
          new PublicFunctionUrl(scope, `Url${String(reservedConcurrency).replace('.', '')}`, {
            fn: target,
            reservedConcurrency,
            alarmAction,
            purpose: 'test',
          }),
      ).toThrow(RangeError);
    }
  });

  it('writes logs to an explicit log group with retention', () => {
    for (const name of fnNames) {
      expect(resources(template)[logicalId(fn(name).logs)]?.Properties?.RetentionInDays, name).toBe(
        90,
      );
    }
  });
});

describe('stack', () => {
  it('is environment-agnostic', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });

  it('hard-codes no physical names on buckets, tables, topics, queues or functions', () => {
    const nameProps: Record<string, string> = {
      'AWS::S3::Bucket': 'BucketName',
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
    };
    for (const [type, prop] of Object.entries(nameProps)) {
      for (const [id, r] of resourcesOfType(template, type)) {
        expect(r.Properties?.[prop], id).toBeUndefined();
      }
    }
  });

  it('outputs the bucket, the upload command, topic ARNs and the unsubscribe URL', () => {
    template.hasOutput('UploadCommand', {
      Value: {
        'Fn::Join': ['', ['aws s3 cp statement.json s3://', ref(bucketId ?? ''), '/incoming/']],
      },
    });
    template.hasOutput('BucketName', { Value: ref(bucketId ?? '') });
    template.hasOutput('PartnersTopicArn', { Value: ref(topicId('Partners')) });
    template.hasOutput('OpsTopicArn', { Value: ref(topicId('Ops')) });
    template.hasOutput('UnsubscribeUrl', {
      Value: { 'Fn::GetAtt': [Match.anyValue(), 'FunctionUrl'] },
    });
  });
});
