/**
 * A tiny HTTP stub for the AWS APIs that have no local emulator (Secrets
 * Manager, SNS, SQS, EventBridge Scheduler), answering just the calls the
 * Lambda entries make. It lets a child process import the real bundle
 * unchanged, with AWS_ENDPOINT_URL_<SERVICE> pointing here: used by the bench
 * and by test/cdk/bundling.test.ts. Every call is recorded so a run can be
 * checked, and SQS batches can be handed on to a local queue.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubCall {
  service: 'secretsmanager' | 'sns' | 'sqs' | 'scheduler' | 'unknown';
  action: string;
  body: string;
}

export interface AwsStub {
  url: string;
  calls: StubCall[];
  /** Receives the bodies of every SQS SendMessageBatch (a bench queue can consume them). */
  onSendMessageBatch: ((queueUrl: string, bodies: string[]) => void) | null;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(JSON.stringify(value));
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** `secrets` maps a SecretId (ARN or name) to its SecretString; unknown ids get `defaultSecret`. */
export async function startAwsStub(
  secrets: Record<string, string>,
  defaultSecret = 'bench-secret-0123456789abcdef0123456789abcdef',
): Promise<AwsStub> {
  const calls: StubCall[] = [];
  const stub: AwsStub = {
    url: '',
    calls,
    onSendMessageBatch: null,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target.startsWith('secretsmanager.')) {
        const action = target.slice('secretsmanager.'.length);
        calls.push({ service: 'secretsmanager', action, body });
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        return json(
          res,
          200,
          {
            ARN: SecretId,
            Name: SecretId,
            SecretString: secrets[SecretId] ?? defaultSecret,
            VersionId: 'bench',
            VersionStages: ['AWSCURRENT'],
          },
          'application/x-amz-json-1.1',
        );
      }
      if (target.startsWith('AmazonSQS.')) {
        const action = target.slice('AmazonSQS.'.length);
        calls.push({ service: 'sqs', action, body });
        if (action === 'SendMessageBatch') {
          const { Entries, QueueUrl } = JSON.parse(body) as {
            Entries: Array<{ Id: string; MessageBody: string }>;
            QueueUrl: string;
          };
          stub.onSendMessageBatch?.(
            QueueUrl,
            Entries.map((e) => e.MessageBody),
          );
          return json(
            res,
            200,
            {
              Successful: Entries.map((e) => ({
                Id: e.Id,
                MessageId: randomUUID(),
                MD5OfMessageBody: md5(e.MessageBody),
              })),
              Failed: [],
            },
            'application/x-amz-json-1.0',
          );
        }
        const { MessageBody = '' } = JSON.parse(body) as { MessageBody?: string };
        return json(
          res,
          200,
          { MessageId: randomUUID(), MD5OfMessageBody: md5(MessageBody) },
          'application/x-amz-json-1.0',
        );
      }
      if (req.url?.startsWith('/schedules/')) {
        calls.push({ service: 'scheduler', action: `${req.method} schedule`, body });
        return json(
          res,
          200,
          { ScheduleArn: `arn:aws:scheduler:eu-west-2:000000000000:schedule/default/bench` },
          'application/json',
        );
      }
      const action = new URLSearchParams(body).get('Action');
      if (action) {
        // SNS speaks the query protocol: form-encoded in, XML out.
        calls.push({ service: 'sns', action, body });
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(
          `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><${action}Result><MessageId>${randomUUID()}</MessageId></${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
        );
      }
      calls.push({ service: 'unknown', action: `${req.method} ${req.url}`, body });
      json(
        res,
        400,
        { message: `bench AWS stub: unsupported ${req.method} ${req.url} ${target}` },
        'application/json',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  stub.url = `http://127.0.0.1:${port}`;
  return stub;
}
