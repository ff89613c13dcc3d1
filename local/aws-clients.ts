/**
 * The client factory the local stack boots each function with (functions/shared/runtime.ts).
 * A function makes its SDK clients exactly as in Lambda (`clients.create(S3Client, {})`);
 * this factory adds where they go:
 *
 * - S3, SES, DynamoDB: the emulators' endpoints, their credentials, region eu-west-2
 *   (and for S3 path-style addressing and no streaming checksums, which s3rver cannot read);
 *   SES clients also get the outbox middleware (local/outbox.ts).
 * - SNS, SQS, EventBridge Scheduler, Secrets Manager: a middleware that answers each
 *   command in process (local/aws-services.ts), so nothing leaves the machine.
 * - Every client: the call recorder (local/aws-calls.ts) naming the function, when the
 *   stack was given `onAwsCall`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareStack } from '@smithy/types';
import { type RecordableClient, recordAwsCalls } from '../functions/shared/aws-call-recorder';
import type { ClientFactory } from '../functions/shared/runtime';
import { type AwsCallListener, operationName } from './aws-calls';
import type { InProcessAws, Responder } from './aws-services';
import { LocalStackError } from './errors';
import { LOCAL_REGION } from './names';
import type { Outbox } from './outbox';

/** The IAM service prefix of each client the functions may make. */
const SERVICES = new Map<unknown, string>([
  [S3Client, 's3'],
  [SESClient, 'ses'],
  [DynamoDBClient, 'dynamodb'],
  [SNSClient, 'sns'],
  [SQSClient, 'sqs'],
  [SchedulerClient, 'scheduler'],
  [SecretsManagerClient, 'secretsmanager'],
]);

/** Any credentials do for the emulators (s3rver checks its own pair). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalAwsOptions {
  endpoints: { s3: string; ses: string; dynamodb: string };
  services: InProcessAws;
  outbox: Outbox;
  onAwsCall?: AwsCallListener | undefined;
}

interface Connection {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  endpoint?: string;
  forcePathStyle?: boolean;
  requestChecksumCalculation?: 'WHEN_REQUIRED';
  responseChecksumValidation?: 'WHEN_REQUIRED';
}

export class LocalAwsClients {
  private readonly made: Array<{ destroy(): void }> = [];

  constructor(private readonly options: LocalAwsOptions) {}

  /** The client factory of one function: its calls are recorded under `functionName`. */
  factoryFor(functionName: string): ClientFactory {
    return { create: (Client, config) => this.create(functionName, Client, config) };
  }

  /** Closes every client made (their sockets to the emulators). */
  destroy(): void {
    for (const client of this.made.splice(0)) client.destroy();
  }

  private create<C, Config>(
    functionName: string,
    Client: new (config: Config) => C,
    config: Config,
  ): C {
    const service = SERVICES.get(Client);
    if (service === undefined) {
      throw new LocalStackError(
        `The local stack cannot make a ${Client.name}; add it to local/aws-clients.ts.`,
      );
    }
    const client = new Client({ ...config, ...this.connection(service) });
    this.instrument(client, { function: functionName, service });
    return client;
  }

  private connection(service: string): Connection {
    const { endpoints } = this.options;
    const base = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    switch (service) {
      case 's3':
        return {
          ...base,
          endpoint: endpoints.s3,
          forcePathStyle: true,
          // s3rver accepts exactly these credentials.
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          // SDK ≥ 3.729 sends streaming checksum trailers that s3rver's SigV4 parser rejects.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        };
      case 'ses':
        return { ...base, endpoint: endpoints.ses };
      case 'dynamodb':
        return { ...base, endpoint: endpoints.dynamodb };
      default:
        // Answered in process: no endpoint is ever contacted.
        return base;
    }
  }

  /** Adds the recorder, and the outbox or the in-process service, to a new client. */
  private instrument(client: unknown, caller: { function: string; service: string }): void {
    const { services, outbox } = this.options;
    if (client instanceof S3Client) {
      this.watch(client, caller);
      this.made.push(client);
    } else if (client instanceof DynamoDBClient) {
      this.watch(client, caller);
      this.made.push(client);
    } else if (client instanceof SESClient) {
      this.watch(client, caller);
      outbox.attach(client);
      this.made.push(client);
    } else if (client instanceof SNSClient) {
      this.watch(client, caller);
      answerInProcess(client.middlewareStack, services.sns);
      this.made.push(client);
    } else if (client instanceof SQSClient) {
      this.watch(client, caller);
      answerInProcess(client.middlewareStack, services.sqs);
      this.made.push(client);
    } else if (client instanceof SchedulerClient) {
      this.watch(client, caller);
      answerInProcess(client.middlewareStack, services.scheduler);
      this.made.push(client);
    } else if (client instanceof SecretsManagerClient) {
      this.watch(client, caller);
      answerInProcess(client.middlewareStack, services.secretsManager);
      this.made.push(client);
    }
  }

  private watch(client: RecordableClient, caller: { function: string }): void {
    const listener = this.options.onAwsCall;
    if (listener) recordAwsCalls(client, caller.function, { push: listener });
  }
}

/**
 * Ends the command at the initialize step with the responder's output, so it is never
 * serialized, signed or sent. `low` priority: the recorder (and any other initialize
 * middleware) sees the call first.
 */
function answerInProcess<Input extends object, Output extends object>(
  stack: MiddlewareStack<Input, Output>,
  respond: Responder<Output>,
): void {
  stack.add(
    (_next, context) => async (args) => ({
      output: await respond(operationName(context), args.input),
      response: {},
    }),
    { step: 'initialize', priority: 'low', name: 'heraldLocalInProcessService', override: true },
  );
}
