/** A Lambda Function URL request as the unsubscribe and approval endpoints receive it. */
import type { LambdaFunctionURLEvent } from 'aws-lambda';

export function functionUrlEvent(options: {
  method: 'GET' | 'POST';
  token: string;
  at: string;
  body?: string;
}): LambdaFunctionURLEvent {
  const { method, token, at, body } = options;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: `t=${encodeURIComponent(token)}`,
    queryStringParameters: { t: token },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: 'abc.lambda-url.eu-west-2.on.aws',
      domainPrefix: 'abc',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 't' },
      requestId: 'r-1',
      routeKey: '$default',
      stage: '$default',
      time: '20/Feb/2024:12:00:00 +0000',
      timeEpoch: Date.parse(at),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}
