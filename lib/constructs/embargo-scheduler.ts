/**
 * What EventBridge Scheduler needs to lift embargoes: a schedule
 * group, an execution role that may invoke `release` and nothing else, and a
 * dead-letter queue for invocations Scheduler gives up on. The one-time schedules
 * themselves are created at run time by `ingest` (`@aws-sdk/client-scheduler`),
 * which gets exactly the permissions to do that through `grantManageSchedules`.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { acknowledge, nagArn, wildcardAction, wildcardLiteral } from './nag';
import { DeadLetterQueue } from './queues';

export interface EmbargoSchedulerProps {
  /** The only function schedules may invoke. */
  readonly release: IFunction;
  /** Key for the scheduler DLQ. */
  readonly encryptionKey: IKey;
  /** Where the DLQ alarm goes. */
  readonly alarmAction: IAlarmAction;
}

export class EmbargoScheduler extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;
  readonly deadLetter: DeadLetterQueue;
  /** `arn:…:schedule/<group>/*`: every schedule in Herald's group, and nothing else. */
  readonly schedulesArn: string;

  constructor(scope: Construct, id: string, props: EmbargoSchedulerProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.group = new ScheduleGroup(this, 'Group', {
      // Schedules only target this stack's `release`; without it they can only fail.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulesArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.role = new Role(this, 'Role', {
      description: 'Herald: EventBridge Scheduler invokes release at embargo lift',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          // Same guard CDK's aws-scheduler-targets writes: this account, this group.
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': this.group.scheduleGroupArn,
          },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.release.functionArn],
      }),
    );

    this.deadLetter = new DeadLetterQueue(this, 'DeadLetter', {
      encryptionKey: props.encryptionKey,
      alarmAction: props.alarmAction,
      purpose: 'embargo-lift invocations of release that EventBridge Scheduler gave up on',
    });
    this.deadLetter.queue.grantSendMessages(this.role);
    acknowledge(
      this.role,
      [wildcardAction('kms:ReEncrypt*'), wildcardAction('kms:GenerateDataKey*')],
      'CDK grantSendMessages on the KMS-encrypted scheduler DLQ; scoped to the one messaging key.',
    );
  }

  /**
   * Lets `role` create, read and delete schedules in Herald's group only, and
   * pass the execution role to EventBridge Scheduler only.
   */
  grantManageSchedules(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        resources: [this.schedulesArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    // Schedule names are per statement revision, chosen at run time; the group bounds them.
    const schedules = Stack.of(this).resolve(this.schedulesArn) as unknown;
    acknowledge(
      role,
      [wildcardLiteral(nagArn(schedules))],
      "Schedules are named per statement revision at run time; access is limited to Herald's schedule group.",
    );
  }
}
