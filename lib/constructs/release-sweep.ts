/**
 * Releases that cannot be lost. The embargo schedule is the fast path; this is
 * the safety net: an EventBridge rule invokes `release` every few minutes with
 * `{"type": "sweep"}`, and release makes public every statement whose lift has
 * passed and that is neither released nor withdrawn, through the same
 * idempotent path a schedule takes. A schedule deleted by hand, or a release
 * whose retries ran out, then delays a release by minutes, never forever.
 *
 * When the sweep had to release something, release logs a line with
 * `"lateRelease": true`; a metric filter counts those lines and an alarm tells
 * the ops topic, because it means a schedule was lost or its retries ran out.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HeraldFunction } from './herald-function';

/** The event the sweep invokes release with. */
export const SWEEP_EVENT = { type: 'sweep' } as const;

/** The structured log field release sets on a release the sweep had to make. */
export const LATE_RELEASE_FIELD = 'lateRelease';

export interface ReleaseSweepProps {
  /** The release function (its log group carries the late-release lines). */
  readonly release: HeraldFunction;
  /** Where the late-release alarm goes. */
  readonly alarmAction: IAlarmAction;
  /**
   * How often the sweep runs: the longest a lost schedule delays a release.
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
}

export class ReleaseSweep extends Construct {
  readonly rule: Rule;
  readonly lateReleases: MetricFilter;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ReleaseSweepProps) {
    super(scope, id);
    const interval = props.interval ?? Duration.minutes(5);

    this.rule = new Rule(this, 'Rule', {
      description: 'Herald: releases every statement whose embargo lift has passed (safety net)',
      schedule: Schedule.rate(interval),
      targets: [
        new LambdaFunction(props.release, {
          event: RuleTargetInput.fromObject(SWEEP_EVENT),
          // A sweep that cannot be delivered is replaced by the next one, so no DLQ and
          // no point retrying past the interval. A sweep that is delivered and fails gets
          // release's own async retries and on-failure queue (herald-stack.ts).
          retryAttempts: 2,
          maxEventAge: interval,
        }),
      ],
    });

    this.lateReleases = new MetricFilter(this, 'LateReleases', {
      logGroup: props.release.logs,
      filterPattern: FilterPattern.booleanValue(`$.${LATE_RELEASE_FIELD}`, true),
      // Per stack, so two copies of Herald in one account do not alarm for each other.
      metricNamespace: `Herald/${Stack.of(this).stackName}`,
      metricName: 'LateReleases',
      metricValue: '1',
    });

    this.alarm = new Alarm(this, 'LateReleaseAlarm', {
      alarmDescription:
        'Herald: a release had to be made by the sweep: a schedule was lost or its retries ran out. The statement is public now; check the Embargo and Release dead-letter queues and the release logs (lateRelease) for why.',
      metric: this.lateReleases.metric({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(props.alarmAction);
  }
}
