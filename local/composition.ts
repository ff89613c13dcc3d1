// Over 400 lines because it is the local stack's wiring diagram: every topic, queue, subscription and trigger the CDK stack deploys, in one list to compare.
/**
 * The local stack's composition: the topics, queues and scheduler that stand in for
 * SNS, SQS and EventBridge Scheduler, the functions booted through their entries
 * (local/functions.ts), and what connects them as the CDK stack does (subscriptions,
 * event sources, the S3 trigger, the schedule target, the unsubscribe URL).
 *
 * Functions reach the messaging only through their SDK clients: a Publish lands in the
 * SNS router, a SendMessageBatch in a queue, a CreateSchedule in the scheduler
 * (local/aws-services.ts), all found by the ARN or URL in the function's environment.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { S3Event } from 'aws-lambda';
import type { HeraldConfig } from '../core/config/schema';
import type { IngestEvent } from '../functions/ingest/handler';
import type { IngestOutcome } from '../functions/ingest/types';
import { type ApprovalDecisionMessage, parseApprovalDecision } from '../functions/shared/messages';
import type { FunctionRuntime } from '../functions/shared/runtime';
import type { AwsCallListener } from './aws-calls';
import { LocalAwsClients } from './aws-clients';
import { InProcessAws } from './aws-services';
import type { LocalClock } from './clock';
import { LocalStackError } from './errors';
import {
  bootLocalFunctions,
  type LocalEnvironments,
  type LocalFunctions,
  localEnvironments,
} from './functions';
import type { JsonlWriter } from './jsonl';
import type { LocalLogs } from './logging';
import type { LocalResources } from './names';
import type { Outbox } from './outbox';
import { LocalQueue } from './queues';
import type { Receivers } from './receivers';
import type { StackRecords } from './records';
import { LocalScheduler } from './scheduler';
import type { LocalSecrets } from './secrets';
import { LocalSnsRouter, type Notification, toSnsEnvelope } from './sns-router';
import type { UploadRecord } from './summary';
import type { WorkTracker } from './tracker';

/** How often a running local stack sweeps for overdue releases. */
const SWEEP_INTERVAL_MS = 60_000;

export class PartnerDeliveryError extends LocalStackError {
  override name = 'PartnerDeliveryError';
}

export interface CompositionOptions {
  config: HeraldConfig;
  resources: LocalResources;
  clock: LocalClock;
  /** Multiplies every retry/backoff delay; 0 makes retries immediate (tests). */
  delayScale: number;
  sendRatePerSecond?: number | undefined;
  endpoints: { s3: string; ses: string; dynamodb: string };
  receivers: Receivers;
  outbox: Outbox;
  secrets: LocalSecrets;
  tracker: WorkTracker;
  jsonl: JsonlWriter;
  logs: LocalLogs;
  records: StackRecords;
  /** Where the ops topic's messages go (`ops.jsonl`). */
  opsPath: string;
  onAwsCall?: AwsCallListener | undefined;
}

export interface LocalComposition {
  readonly scheduler: LocalScheduler;
  readonly environments: LocalEnvironments;
  /** Runs ingest for an S3 event as S3 does: an async invocation, 2 retries, then a dead letter. */
  invokeIngest(event: S3Event, upload: UploadRecord): void;
  /**
   * The overdue-release sweep, as the EventBridge rule runs it in AWS: `release` with
   * `{type: "sweep"}`. A running clock runs it every minute by itself.
   */
  sweep(): Promise<void>;
  /** Stops timers and queues and closes the functions' clients. */
  stop(): void;
}

export function composeLocalStack(options: CompositionOptions): LocalComposition {
  const { config, resources, clock, tracker, records, receivers } = options;
  const scale = options.delayScale;
  const sleep = (ms: number) => delay(Math.round(ms * scale));
  const wallStart = Date.now();
  const visibilityDelayMs = (attempt: number) => 200 * 2 ** (attempt - 1) * scale;
  const now = () => clock.now();
  const deadLetter = records.deadLetter;

  // Booted below; queues and the scheduler call them only once work arrives.
  let fns: LocalFunctions | undefined;
  const functions = (): LocalFunctions => {
    if (!fns) throw new LocalStackError('The local functions are not booted yet.');
    return fns;
  };

  // ── SNS, SQS, EventBridge Scheduler ──────────────────────────────────────
  const router = new LocalSnsRouter({
    tracker,
    deadLetter,
    now,
    onPublish: (n) => records.notePublished(n),
  });
  const queues = {
    press: new LocalQueue({
      name: 'press',
      consumer: (event) => functions().dispatch(event),
      tracker,
      deadLetter,
      batchSize: 1,
      concurrency: 2,
      maxReceiveCount: 3,
      visibilityDelayMs,
      now,
      onEnqueue: (body) => records.notePressJob(body),
    }),
    send: new LocalQueue({
      name: 'send',
      consumer: async (event) => {
        const response = await functions().send(event);
        records.changed();
        return response;
      },
      tracker,
      deadLetter,
      batchSize: 5,
      concurrency: 4,
      maxReceiveCount: 5,
      visibilityDelayMs,
      now,
      onEnqueue: (body) => records.noteQueuedForSending(body),
    }),
    website: new LocalQueue({
      name: 'website',
      consumer: (event) => functions()['website-hook'](event),
      tracker,
      deadLetter,
      batchSize: 1,
      concurrency: 1,
      maxReceiveCount: 4,
      visibilityDelayMs,
      now,
    }),
  };

  // Schedule targets by function ARN, as EventBridge Scheduler invokes them.
  const targets = new Map<string, (event: unknown) => Promise<void>>([
    [
      resources.functions.release,
      async (event) => records.noteRelease(await functions().release(event)),
    ],
  ]);
  const scheduler = new LocalScheduler({
    clock,
    tracker,
    deadLetter,
    fire: async (payload, schedule) => {
      const arn = services.scheduleTarget(schedule.name);
      const target = arn === undefined ? undefined : targets.get(arn);
      if (!target) {
        throw new LocalStackError(
          `Schedule ${schedule.name} targets ${arn}, not a local function.`,
        );
      }
      // The scheduler hands the target its Input as the event (parsed JSON).
      await target(JSON.parse(payload));
    },
  });

  const services = new InProcessAws({
    router,
    queues: Object.values(queues),
    scheduler,
    secrets: [
      {
        arn: resources.secrets['unsubscribe-key'],
        name: 'herald-local/unsubscribe-key',
        value: options.secrets.unsubscribeKey,
      },
      {
        arn: resources.secrets['webhook-secret'],
        name: 'herald-local/webhook-secret',
        value: options.secrets.webhookSecret,
      },
      {
        arn: resources.secrets['approval-key'],
        name: 'herald-local/approval-key',
        value: options.secrets.approvalKey,
      },
    ],
  });

  // ── The functions, through their entries ──────────────────────────────────
  const aws = new LocalAwsClients({
    endpoints: options.endpoints,
    services,
    outbox: options.outbox,
    onAwsCall: options.onAwsCall,
  });
  const environments = localEnvironments({
    config,
    resources,
    unsubscribeUrl: receivers.unsubscribeUrl,
    hookUrl: receivers.hookUrl,
    approvalUrl: receivers.approvalUrl,
    sendRatePerSecond: options.sendRatePerSecond,
  });
  const runtimeFor = (name: keyof LocalFunctions): FunctionRuntime => ({
    clients: aws.factoryFor(name),
    logger: options.logs.forFunction(name),
    // The pacer measures elapsed time, so send's clock keeps moving even when the stack's is frozen.
    clock: name === 'send' ? () => new Date(clock.now().getTime() + (Date.now() - wallStart)) : now,
    sleep,
  });
  try {
    fns = bootLocalFunctions(environments, runtimeFor);
  } catch (error) {
    aws.destroy();
    throw error;
  }
  receivers.setUnsubscribeHandler(fns.unsubscribe);
  if (fns.approval) receivers.setApprovalHandler(fns.approval);

  // ── Subscriptions: press and website queues use raw delivery (the body is the message) ──
  router.subscribe({
    topic: 'press',
    name: 'press-queue',
    deliver: async (n) => void queues.press.send([n.body]),
  });
  router.subscribe({
    topic: 'website',
    name: 'website-queue',
    deliver: async (n) => void queues.website.send([n.body]),
  });
  router.subscribe({
    topic: 'ops',
    name: 'ops-file',
    deliver: async (n) => {
      await options.jsonl.append(options.opsPath, {
        subject: n.subject ?? null,
        text: n.body,
        receivedAt: n.timestamp,
      });
      records.changed();
    },
  });
  for (const partner of config.partners.subscriptions) {
    const subscription = {
      topic: 'partners' as const,
      name: partner.name,
      ...(partner.filterPolicy ? { filterPolicy: partner.filterPolicy } : {}),
      // SNS's HTTP/S default is 3 retries; locally the waits are short.
      policy: { attempts: 4, delayMs: (retry: number) => 250 * 2 ** (retry - 1) * scale },
      deliver: async (n: Notification) => {
        const raw = partner.rawMessageDelivery === true && partner.protocol === 'https';
        const envelope = toSnsEnvelope(n, router.subscriptionArn(subscription));
        const response = await fetch(receivers.partnerUrl(partner.name), {
          method: 'POST',
          headers: {
            'content-type': 'text/plain; charset=UTF-8',
            'x-amz-sns-message-type': 'Notification',
            'x-amz-sns-message-id': n.messageId,
            'x-amz-sns-topic-arn': envelope.TopicArn,
            'x-amz-sns-subscription-arn': router.subscriptionArn(subscription),
            ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
          },
          body: raw ? n.body : JSON.stringify(envelope),
        });
        await response.body?.cancel();
        if (!response.ok) {
          throw new PartnerDeliveryError(
            `The ${partner.name} endpoint answered ${response.status}.`,
          );
        }
        records.changed();
      },
    };
    router.subscribe(subscription);
  }

  // An async Lambda invocation of ingest (S3, the approvals topic, `herald approve`):
  // 2 retries, then the on-failure destination.
  const invokeAsync = (
    event: IngestEvent,
    source: string,
    done: (outcomes: IngestOutcome[]) => void,
    failed: (reason: string) => void = () => undefined,
  ) => {
    tracker.track(async () => {
      let lastError: unknown;
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        if (attempt > 1) await sleep(500 * attempt);
        try {
          done(await functions().ingest(event));
          records.changed();
          return;
        } catch (error) {
          lastError = error;
        }
      }
      failed(lastError instanceof Error ? lastError.message : String(lastError));
      await deadLetter({
        source,
        reason:
          lastError instanceof Error
            ? `${lastError.name}: ${lastError.message}`
            : String(lastError),
        body: JSON.stringify(event),
        attempts: 3,
        failedAt: clock.now().toISOString(),
      });
    });
  };

  const invokeIngest = (event: S3Event, upload: UploadRecord) =>
    invokeAsync(
      event,
      'lambda:ingest',
      (outcomes) => {
        const outcome = outcomes[0];
        if (outcome) {
          upload.outcome = outcome;
          delete upload.failure;
          records.noteSuperseded(outcome);
        }
      },
      (reason) => {
        upload.failure = reason;
      },
    );

  // Approval decisions: the approvals topic → ingest (an SNS Lambda subscription).
  router.subscribe({
    topic: 'approvals',
    name: 'ingest',
    deliver: async (n) =>
      invokeAsync(snsEventOf(n, resources.topics.approvals), 'lambda:ingest', (outcomes) =>
        records.noteDecisions(outcomes),
      ),
  });
  // `herald approve` / `herald reject` invoke ingest with the decision (Lambda's Invoke API).
  receivers.setInvokeHandler(async (name, type, payload) => {
    if (name !== resources.functions.ingest && name !== 'herald-local-ingest') {
      return { status: 404, body: JSON.stringify({ Message: `Function not found: ${name}` }) };
    }
    let decision: ApprovalDecisionMessage;
    try {
      decision = parseApprovalDecision(payload);
    } catch (error) {
      return { status: 400, body: JSON.stringify({ Message: describe(error) }) };
    }
    if (type !== 'Event') {
      return {
        status: 400,
        body: JSON.stringify({ Message: 'Only Event invocations are answered locally.' }),
      };
    }
    invokeAsync(decision, 'lambda:ingest', (outcomes) => records.noteDecisions(outcomes));
    return { status: 202, body: '' };
  });

  const sweep = () =>
    new Promise<void>((resolve) => {
      tracker.track(async () => {
        try {
          records.noteRelease(await functions().release({ type: 'sweep' }));
        } catch {
          // A failed sweep is logged by release; the next one retries.
        } finally {
          resolve();
        }
      });
    });
  // AWS runs the sweep every 5 minutes; locally a minute keeps a lost release visible sooner.
  const sweeper =
    clock.mode === 'frozen' ? undefined : setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
  sweeper?.unref();

  return {
    scheduler,
    environments,
    invokeIngest,
    sweep,
    stop() {
      if (sweeper) clearInterval(sweeper);
      scheduler.stop();
      router.stop();
      for (const queue of Object.values(queues)) queue.stop();
      aws.destroy();
    },
  };
}

/** The SNS → Lambda event for one notification (what ingest gets from the approvals topic). */
function snsEventOf(n: Notification, topicArn: string): IngestEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:local-ingest`,
        Sns: {
          Type: 'Notification',
          MessageId: n.messageId,
          TopicArn: topicArn,
          Subject: n.subject ?? '',
          Message: n.body,
          Timestamp: n.timestamp,
          SignatureVersion: '1',
          Signature: 'local-unsigned',
          SigningCertUrl: 'http://127.0.0.1/local-sns-unsigned.pem',
          UnsubscribeUrl: 'http://127.0.0.1/local-sns/unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
