/**
 * A Lambda context as the runtime passes it, for tests of what the handlers
 * derive from it: every claim and lock lasts until the invocation is certainly
 * dead (its remaining time, plus a margin for clock skew).
 */
import type { Context } from 'aws-lambda';

export function lambdaContext(remainingMs: number, functionName = 'herald-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2024/02/20/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
