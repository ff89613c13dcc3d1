/**
 * The local stack: the whole Herald pipeline on this machine, no AWS account.
 *
 * The same handlers as the Lambdas (functions/<name>/handler.ts) get real SDK clients
 * pointed at in-process emulators (s3rver, aws-ses-v2-local, dynalite), and local
 * implementations of the messaging ports: an SNS router with filter policies, SQS-like
 * queues, a scheduler on an injectable clock, and HTTP receivers for partners, the website
 * hook and the unsubscribe pages. Everything in-flight is tracked so `drain()` resolves
 * exactly when no work is left that could start more work by itself.
 */
import { readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import type { HeraldConfig } from '../core/config/schema';
import { createDispatchHandler } from '../functions/dispatch/handler';
import { createIngestHandler } from '../functions/ingest/handler';
import type { IngestOutcome } from '../functions/ingest/types';
import { createReleaseHandler } from '../functions/release/handler';
import { createSendHandler } from '../functions/send/handler';
import { parseSendBatch } from '../functions/shared/messages';
import type { QueueSender } from '../functions/shared/ports';
import { staticSecret } from '../functions/shared/secrets';
import { createUnsubscribeHandler } from '../functions/unsubscribe/handler';
import { createWebsiteHookHandler } from '../functions/website-hook/handler';
import {
  createLedgerTable,
  createLocalClients,
  destroyLocalClients,
  LOCAL_REGION,
  type LocalClients,
} from './clients';
import { frozenClock, type LocalClock, runningClock } from './clock';
import {
  DEFAULT_PORTS,
  type PortName,
  type RunningServer,
  startDynamo,
  startS3,
  startSes,
} from './emulators';
import { LocalStackError, StackStoppedError } from './errors';
import { JsonlWriter, readJsonl } from './jsonl';
import { createLocalLogs, type LocalLogLevel } from './logging';
import { Outbox } from './outbox';
import { type DeadLetter, LocalQueue } from './queues';
import { type Receivers, startReceivers } from './receivers';
import { isIngestRecord, toS3Event } from './s3-events';
import { LocalScheduler } from './scheduler';
import { loadOrCreateSecrets } from './secrets';
import { LocalSnsRouter, type Notification, toSnsEnvelope } from './sns-router';
import { buildSummary, revisionKey, type StackSummary, type UploadRecord } from './summary';
import { loadOrCreateTls } from './tls';
import { WorkTracker } from './tracker';

export const LOCAL_BUCKET = 'herald-local';
export const LOCAL_TABLE = 'herald-ledger';

export interface LocalStackOptions {
  /** Where outputs and emulator data go (created if missing). */
  stateDir: string;
  config: HeraldConfig;
  /** Press list CSV uploaded to `config.press.listKey` before anything else. */
  pressList?: string | Uint8Array;
  /** Ports per service; 0 = random (tests). Defaults: DEFAULT_PORTS. */
  ports?: Partial<Record<PortName, number>>;
  /** Injected clock; default: wall time. */
  clock?: LocalClock;
  /** Start a running clock at this instant (`--now`); ignored when `clock` is given. */
  now?: Date;
  /** Multiplies every retry/backoff delay; 0 makes retries immediate (tests). @default 1 */
  delayScale?: number;
  /** Overrides config.press.sendRatePerSecond locally (tests use a high rate). */
  sendRatePerSecond?: number;
  logLevel?: LocalLogLevel;
  /** Remove the previous run's outputs first (the ledger is in memory, so state must match). @default true */
  fresh?: boolean;
  /** Called whenever something observable happened (an outcome, an email, a partner message). */
  onChange?: () => void;
}

export interface LocalStackEndpoints {
  s3: string;
  ses: string;
  dynamodb: string;
  http: string;
  /** aws-ses-v2-local's web inbox. */
  inbox: string;
}

export interface LocalStackPaths {
  stateDir: string;
  outbox: string;
  partners: string;
  websiteHooks: string;
  ops: string;
  deadLetters: string;
  log: string;
  /** The self-signed certificate of the https unsubscribe pages. */
  tlsCert: string;
}

export interface LocalStack {
  readonly config: HeraldConfig;
  readonly bucket: string;
  readonly tableName: string;
  readonly clock: LocalClock;
  readonly clients: LocalClients;
  readonly endpoints: LocalStackEndpoints;
  readonly paths: LocalStackPaths;
  readonly outbox: Outbox;
  readonly receivers: Receivers;
  readonly scheduler: LocalScheduler;
  /** Ingest results per S3 event, in arrival order. */
  readonly uploads: readonly UploadRecord[];
  readonly deadLetters: readonly DeadLetter[];
  /** Every SNS message published, in order. */
  readonly published: readonly Notification[];
  /** PUTs `body` to `incoming/<name>` (as a comms officer would); resolves with the key. */
  upload(name: string, body: string | Uint8Array): Promise<string>;
  /** Uploads a file from disk under its base name. */
  uploadFile(path: string): Promise<string>;
  /** PUTs any object (e.g. a new press list). */
  putObject(key: string, body: string | Uint8Array): Promise<void>;
  /** Delivers the last S3 event for `key` to ingest again (S3's at-least-once delivery). */
  redeliver(key: string): void;
  /** Resolves when all immediate work (and its retries) is done. */
  drain(): Promise<void>;
  /** Moves the clock, fires the releases due by then, and drains. */
  advanceClock(to: Date | string): Promise<void>;
  /** Advances past every pending embargo lift; resolves with the new time (null if none). */
  fastForward(): Promise<Date | null>;
  summary(): StackSummary;
  readonly faults: {
    /** The next `times` SendRawEmail calls (to `recipient`) throw before reaching SES. */
    failSend(options?: { recipient?: string; times?: number; errorName?: string }): void;
    /** The partner receiver answers 500 to its next `times` deliveries. */
    failPartner(name: string, times?: number): void;
    failWebsite(times?: number): void;
  };
  stop(): Promise<void>;
}

/** Outputs of a previous run; emulator data included, secrets.json kept. */
const RUN_OUTPUTS = [
  'outbox',
  'partners',
  'website',
  'ops.jsonl',
  'dead-letters.jsonl',
  's3',
  'logs',
];

export class PartnerDeliveryError extends LocalStackError {
  override name = 'PartnerDeliveryError';
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stateDir = resolve(options.stateDir);
  const config = options.config;
  const scale = options.delayScale ?? 1;
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const clock = options.clock ?? runningClock(options.now);
  const wallStart = Date.now();

  if (options.fresh ?? true) {
    await Promise.all(
      RUN_OUTPUTS.map((name) => rm(join(stateDir, name), { recursive: true, force: true })),
    );
  }

  const paths: LocalStackPaths = {
    stateDir,
    outbox: join(stateDir, 'outbox'),
    partners: join(stateDir, 'partners'),
    websiteHooks: join(stateDir, 'website', 'hooks.jsonl'),
    ops: join(stateDir, 'ops.jsonl'),
    deadLetters: join(stateDir, 'dead-letters.jsonl'),
    log: join(stateDir, 'logs', 'herald.log'),
    tlsCert: join(stateDir, 'tls', 'cert.pem'),
  };

  const secrets = await loadOrCreateSecrets(stateDir);
  const tls = await loadOrCreateTls(stateDir);
  const tracker = new WorkTracker();
  const jsonl = new JsonlWriter();
  const logs = createLocalLogs(stateDir, options.logLevel ?? 'INFO');
  const changed = () => options.onChange?.();
  const sleep = (ms: number) => delay(Math.round(ms * scale));

  // Started in order so a failure can close what already runs.
  const started: RunningServer[] = [];
  const closeStarted = async () => {
    await Promise.all(started.map((s) => s.close()));
  };
  let s3Emulator: Awaited<ReturnType<typeof startS3>>;
  let receivers: Receivers;
  let ses: RunningServer;
  let dynamo: RunningServer;
  try {
    s3Emulator = await startS3({
      port: ports.s3,
      directory: join(stateDir, 's3'),
      buckets: [LOCAL_BUCKET],
    });
    started.push(s3Emulator);
    ses = await startSes({ port: ports.ses });
    started.push(ses);
    dynamo = await startDynamo({ port: ports.dynamodb });
    started.push(dynamo);
    receivers = await startReceivers({
      port: ports.http,
      stateDir,
      jsonl,
      now: () => clock.now(),
      tls,
      links: { 'SES inbox': ses.url },
    });
    started.push(receivers);
  } catch (error) {
    await closeStarted();
    await logs.close();
    throw error;
  }

  const clients = createLocalClients({ s3: s3Emulator.url, ses: ses.url, dynamodb: dynamo.url });
  await createLedgerTable(clients.dynamodb, LOCAL_TABLE);
  const outbox = new Outbox(paths.outbox);
  outbox.attach(clients.ses);

  // Observations for summaries.
  const uploads: UploadRecord[] = [];
  const deadLetters: DeadLetter[] = [];
  const published: Notification[] = [];
  const selected = new Map<string, Set<string>>();
  const deadLettered = new Map<string, Set<string>>();
  const released = new Set<string>();
  const lastEvent = new Map<string, S3Event>();
  const addTo = (map: Map<string, Set<string>>, key: string, values: string[]) => {
    const set = map.get(key) ?? new Set<string>();
    for (const v of values) set.add(v.toLowerCase());
    map.set(key, set);
  };

  const deadLetter = async (letter: DeadLetter): Promise<void> => {
    deadLetters.push(letter);
    if (letter.source === 'queue:send') {
      try {
        const batch = parseSendBatch(letter.body);
        addTo(
          deadLettered,
          revisionKey(batch.id, batch.revision),
          batch.recipients.map((r) => r.email),
        );
      } catch {
        // Not a SendBatch: nothing to attribute.
      }
    }
    await jsonl.append(paths.deadLetters, letter);
    changed();
  };

  const router = new LocalSnsRouter({
    tracker,
    deadLetter,
    now: () => clock.now(),
    onPublish(notification) {
      published.push(notification);
      if (
        notification.topic === 'partners' &&
        notification.attributes.type?.StringValue === 'statement.released'
      ) {
        try {
          const envelope = JSON.parse(notification.body) as {
            statement?: { id?: unknown; revision?: unknown };
          };
          const { id, revision } = envelope.statement ?? {};
          if (typeof id === 'string' && typeof revision === 'number')
            released.add(revisionKey(id, revision));
        } catch {
          // Malformed envelopes are the partners' problem to report, not the summary's.
        }
      }
      changed();
    },
  });

  const visibilityDelayMs = (attempt: number) => 200 * 2 ** (attempt - 1) * scale;
  const queueNow = () => clock.now();

  const release = createReleaseHandler({
    s3: clients.s3,
    ddb: clients.ddb,
    publisher: router,
    logger: logs.forFunction('release'),
    clock: () => clock.now(),
    settings: { bucket: LOCAL_BUCKET, tableName: LOCAL_TABLE },
    sleep,
  });

  const scheduler = new LocalScheduler({
    clock,
    tracker,
    deadLetter,
    fire: async (payload) => {
      const outcome = await release(JSON.parse(payload));
      if ('outcome' in outcome && outcome.outcome === 'released')
        released.add(revisionKey(outcome.id, outcome.revision));
      changed();
    },
  });

  const ingest = createIngestHandler({
    s3: clients.s3,
    ddb: clients.ddb,
    publisher: router,
    scheduler,
    logger: logs.forFunction('ingest'),
    clock: () => clock.now(),
    settings: { bucket: LOCAL_BUCKET, tableName: LOCAL_TABLE, defaultTimezone: config.timezone },
    sleep,
  });

  // Queues are created before their consumers exist (dispatch needs the send queue).
  const queues: { send?: LocalQueue } = {};
  const queueSender: QueueSender = {
    async sendBatch(queue, bodies) {
      const target = queues[queue];
      if (!target) throw new LocalStackError(`There is no local queue named "${queue}".`);
      target.send(bodies);
    },
  };

  const dispatch = createDispatchHandler({
    s3: clients.s3,
    ddb: clients.ddb,
    queue: queueSender,
    publisher: router,
    logger: logs.forFunction('dispatch'),
    clock: () => clock.now(),
    settings: { bucket: LOCAL_BUCKET, tableName: LOCAL_TABLE, pressListKey: config.press.listKey },
  });

  const send = createSendHandler({
    s3: clients.s3,
    ses: clients.ses,
    ddb: clients.ddb,
    logger: logs.forFunction('send'),
    // The pacer measures elapsed time, so send's clock keeps moving even when the stack's is frozen.
    clock: () => new Date(clock.now().getTime() + (Date.now() - wallStart)),
    sleep,
    unsubscribeSecret: staticSecret(secrets.unsubscribeKey),
    settings: {
      bucket: LOCAL_BUCKET,
      tableName: LOCAL_TABLE,
      from: config.sender.from,
      unsubscribeBaseUrl: receivers.unsubscribeUrl,
      ratePerSecond: options.sendRatePerSecond ?? config.press.sendRatePerSecond,
    },
  });

  const websiteHook = createWebsiteHookHandler({
    ddb: clients.ddb,
    fetch: globalThis.fetch,
    logger: logs.forFunction('website-hook'),
    clock: () => clock.now(),
    webhookSecret: staticSecret(secrets.webhookSecret),
    // Config website.hookUrl is never contacted locally.
    settings: { tableName: LOCAL_TABLE, hookUrl: receivers.hookUrl },
  });

  receivers.setUnsubscribeHandler(
    createUnsubscribeHandler({
      ddb: clients.ddb,
      logger: logs.forFunction('unsubscribe'),
      clock: () => clock.now(),
      unsubscribeSecret: staticSecret(secrets.unsubscribeKey),
      settings: { tableName: LOCAL_TABLE },
    }),
  );

  const outboxWatcher = outbox.entries;
  const pressQueue = new LocalQueue({
    name: 'press',
    consumer: dispatch,
    tracker,
    deadLetter,
    batchSize: 1,
    concurrency: 2,
    maxReceiveCount: 3,
    visibilityDelayMs,
    now: queueNow,
  });
  queues.send = new LocalQueue({
    name: 'send',
    consumer: async (event) => {
      const response = await send(event);
      changed();
      return response;
    },
    tracker,
    deadLetter,
    batchSize: 5,
    concurrency: 4,
    maxReceiveCount: 5,
    visibilityDelayMs,
    now: queueNow,
    onEnqueue(body) {
      try {
        const batch = parseSendBatch(body);
        addTo(
          selected,
          revisionKey(batch.id, batch.revision),
          batch.recipients.map((r) => r.email),
        );
      } catch {
        // The send handler reports malformed batches itself.
      }
    },
  });
  const websiteQueue = new LocalQueue({
    name: 'website',
    consumer: websiteHook,
    tracker,
    deadLetter,
    batchSize: 1,
    concurrency: 1,
    maxReceiveCount: 4,
    visibilityDelayMs,
    now: queueNow,
  });

  // Subscriptions: press and website queues use raw delivery (the body is the message).
  router.subscribe({
    topic: 'press',
    name: 'press-queue',
    deliver: async (n) => pressQueue.send([n.body]),
  });
  router.subscribe({
    topic: 'website',
    name: 'website-queue',
    deliver: async (n) => websiteQueue.send([n.body]),
  });
  router.subscribe({
    topic: 'ops',
    name: 'ops-file',
    deliver: async (n) => {
      await jsonl.append(paths.ops, {
        subject: n.subject ?? null,
        text: n.body,
        receivedAt: n.timestamp,
      });
      changed();
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
        changed();
      },
    };
    router.subscribe(subscription);
  }

  // S3 → ingest, as an async Lambda invocation: 2 retries, then the on-failure destination.
  const invokeIngest = (event: S3Event, upload: UploadRecord) => {
    tracker.track(async () => {
      let lastError: unknown;
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        if (attempt > 1) await sleep(500 * attempt);
        try {
          const outcomes: IngestOutcome[] = await ingest(event);
          const outcome = outcomes[0];
          if (outcome) {
            upload.outcome = outcome;
            delete upload.failure;
          }
          changed();
          return;
        } catch (error) {
          lastError = error;
        }
      }
      upload.failure = lastError instanceof Error ? lastError.message : String(lastError);
      await deadLetter({
        source: 'lambda:ingest',
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

  let stopped = false;
  s3Emulator.onEvent((record) => {
    if (stopped || !isIngestRecord(record)) return;
    const event = toS3Event(record, LOCAL_REGION);
    const key = record.s3.object.key;
    lastEvent.set(key, event);
    const upload: UploadRecord = { file: key.slice('incoming/'.length), key };
    uploads.push(upload);
    invokeIngest(event, upload);
    changed();
  });

  const putObject = async (key: string, body: string | Uint8Array) => {
    if (stopped) throw new StackStoppedError();
    // Buffer bodies: s3rver cannot read the SDK's streaming checksum trailer.
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: LOCAL_BUCKET,
        Key: key,
        Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body),
        ContentType: key.endsWith('.json')
          ? 'application/json'
          : key.endsWith('.csv')
            ? 'text/csv'
            : undefined,
      }),
    );
  };

  if (options.pressList !== undefined) await putObject(config.press.listKey, options.pressList);

  const drain = async () => {
    await tracker.idle();
    await jsonl.flush();
  };

  const stack: LocalStack = {
    config,
    bucket: LOCAL_BUCKET,
    tableName: LOCAL_TABLE,
    clock,
    clients,
    endpoints: {
      s3: s3Emulator.url,
      ses: ses.url,
      dynamodb: dynamo.url,
      http: receivers.url,
      inbox: ses.url,
    },
    paths,
    outbox,
    receivers,
    scheduler,
    uploads,
    deadLetters,
    published,
    async upload(name, body) {
      const key = `incoming/${name}`;
      await putObject(key, body);
      return key;
    },
    async uploadFile(path) {
      return stack.upload(basename(path), await readFile(path));
    },
    putObject,
    redeliver(key) {
      const event = lastEvent.get(key);
      if (!event) throw new LocalStackError(`No S3 event has been seen for ${key}.`);
      const upload: UploadRecord = { file: key.slice('incoming/'.length), key };
      uploads.push(upload);
      invokeIngest(event, upload);
    },
    drain,
    async advanceClock(to) {
      scheduler.advanceTo(typeof to === 'string' ? new Date(to) : to);
      await drain();
    },
    async fastForward() {
      const at = scheduler.fastForward();
      await drain();
      return at;
    },
    summary() {
      const emailed = new Map<string, Set<string>>();
      for (const entry of outboxWatcher)
        addTo(emailed, revisionKey(entry.id, entry.revision), [entry.recipient]);
      const partnerMessages = new Map<string, string[]>();
      for (const [name, records] of receivers.partners) {
        partnerMessages.set(
          name,
          records.map((r) => {
            const statement = (
              r.message as { statement?: { id?: string; revision?: number } } | null
            )?.statement;
            return revisionKey(statement?.id ?? '', statement?.revision ?? 0);
          }),
        );
      }
      return buildSummary({
        stateDir,
        uploads,
        selected,
        deadLettered,
        emailed,
        partnerMessages,
        partnerNames: config.partners.subscriptions.map((s) => s.name),
        released,
        deadLetters: deadLetters.length,
        duplicateEmails: outbox.duplicates().length,
      });
    },
    faults: {
      failSend: (opts) => outbox.failNext(opts),
      failPartner: (name, times) => receivers.failNext(name, times),
      failWebsite: (times) => receivers.failNext('website', times),
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      scheduler.stop();
      router.stop();
      pressQueue.stop();
      queues.send?.stop();
      websiteQueue.stop();
      await jsonl.flush();
      destroyLocalClients(clients);
      await closeStarted();
      await logs.close();
    },
  };
  return stack;
}

/** Reads a JSON-lines output of the stack (tests and the CLI). */
/** A frozen clock for tests and `--once` runs that must not depend on wall time. */
export { frozenClock, readJsonl, runningClock };
