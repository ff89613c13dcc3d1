/**
 * A public Function URL (no AWS auth: mail providers and browsers call it) with
 * reserved concurrency, the pattern for every unauthenticated Herald endpoint
 * (one-click unsubscribe today; an approval link later).
 *
 * Reserved concurrency does two things under a flood of requests:
 * - it caps the function: past the reserved number of requests in flight,
 *   Lambda answers 429 at once, and a throttled request is not an invocation,
 *   so it costs nothing; the worst-case bill is that many functions running
 *   non-stop (docs/deploy.md works it out);
 * - it keeps the rest of the account's concurrency for `send` and `ingest`: the
 *   endpoint can never use more than its reservation, however hard it is hit.
 * An alarm tells ops when the endpoint throttles: real people are being refused.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { type CfnFunction, type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { HeraldFunction } from './herald-function';

export interface PublicFunctionUrlProps {
  /** The function behind the URL. It must check every request itself (a signed token). */
  readonly fn: HeraldFunction;
  /** Requests in flight at most: reserved for the function, and its ceiling. */
  readonly reservedConcurrency: number;
  /** Where the throttling alarm goes. */
  readonly alarmAction: IAlarmAction;
  /** What the endpoint is for, in words (for the alarm). */
  readonly purpose: string;
}

/** A reservation bigger than this is a mistake: it would take concurrency from the pipeline. */
export const MAX_PUBLIC_URL_CONCURRENCY = 20;

export class PublicFunctionUrl extends Construct {
  readonly url: FunctionUrl;
  readonly throttleAlarm: Alarm;

  constructor(scope: Construct, id: string, props: PublicFunctionUrlProps) {
    super(scope, id);
    const { reservedConcurrency } = props;
    if (
      !Number.isInteger(reservedConcurrency) ||
      reservedConcurrency < 1 ||
      reservedConcurrency > MAX_PUBLIC_URL_CONCURRENCY
    ) {
      throw new RangeError(
        `reservedConcurrency for a public Function URL must be a whole number from 1 to ${MAX_PUBLIC_URL_CONCURRENCY}, not ${reservedConcurrency}`,
      );
    }
    // Set on the L1: HeraldFunction's props are shared by every function, and only
    // public endpoints need a ceiling.
    const cfn = props.fn.node.defaultChild as CfnFunction;
    cfn.reservedConcurrentExecutions = reservedConcurrency;
    this.url = props.fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    this.throttleAlarm = new Alarm(this, 'ThrottlesAlarm', {
      alarmDescription: `Herald: the public ${props.purpose} endpoint is refusing requests (429) at its reserved concurrency of ${reservedConcurrency}: a flood, or more real traffic than expected. Real requests are being refused; see its log group and the Throttles metric.`,
      metric: props.fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.throttleAlarm.addAlarmAction(props.alarmAction);
  }
}
