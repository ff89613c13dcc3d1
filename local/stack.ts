// Over 400 lines because it starts, wires and stops the whole stack in one place; what it starts lives in emulators.ts, composition.ts, receivers.ts and records.ts.
/**
 * The local stack: the whole Herald pipeline on this machine, no AWS account.
 *
 * - local/emulators.ts: s3rver, aws-ses-v2-local and dynalite on loopback, and
 *   local/receivers.ts, the HTTP receivers for partners, the website hook and the
 *   unsubscribe pages.
 * - local/composition.ts: every function booted through its Lambda entry
 *   (functions/<name>/index.ts) with the environment the stack gives it, real SDK
 *   clients, and the SNS topics, SQS queues and scheduler answering those clients in
 *   process; subscriptions and triggers as the CDK stack has them.
 * - local/records.ts: what happened, for `summary()` and tests.
 *
 * Everything in-flight is tracked so `drain()` resolves exactly when no work is left that
 * could start more work by itself.
 */
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { HeraldConfig } from '../core/config/schema';
import type { AwsCallListener } from './aws-calls';
import {
  createLedgerTable,
  createLocalClients,
  destroyLocalClients,
  type LocalClients,
} from './clients';
import { frozenClock, type LocalClock, runningClock } from './clock';
import { composeLocalStack, type LocalComposition } from './composition';
import { assertPortsFree, DEFAULT_PORTS, type PortName, startEmulators } from './emulators';
import { LocalStackError, StackStoppedError } from './errors';
import type { LocalEnvironments } from './functions';
import { JsonlWriter, readJsonl } from './jsonl';
import { createLocalLogs, type LocalLogLevel } from './logging';
import {
  LOCAL_BUCKET,
  LOCAL_REGION,
  LOCAL_TABLE,
  type LocalResources,
  localResources,
} from './names';
import { Outbox } from './outbox';
import type { DeadLetter } from './queues';
import { type Receivers, startReceivers } from './receivers';
import { StackRecords } from './records';
import { isIngestRecord, toS3Event } from './s3-events';
import type { LocalScheduler } from './scheduler';
import { loadOrCreateSecrets } from './secrets';
import type { Notification } from './sns-router';
import { acquireStateLock, type LockInfo, type StateLock } from './state-lock';
import type { StackSummary, UploadRecord } from './summary';
import { loadOrCreateTls } from './tls';
import { WorkTracker } from './tracker';

export type { AwsCall, AwsCallListener } from './aws-calls';
export { PartnerDeliveryError } from './composition';
export { StateDirLockedError } from './state-lock';
export { LOCAL_BUCKET, LOCAL_TABLE };

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
  /**
   * What to do with a previous run's outputs (the ledger is in memory, so a new run must
   * not mix with them): `true` deletes them, `false` moves them to `previous-run/` (and
   * deletes the run kept there before). @default true
   */
  fresh?: boolean;
  /** Who holds the state folder's lock, for the message a second start prints. @default 'a local stack' */
  command?: string;
  /** Called whenever something observable happened (an outcome, an email, a partner message). */
  onChange?: () => void;
  /**
   * Called for every SDK command any function issues, with the function's name, the
   * service, the command and its input (local/aws-calls.ts). Throwing fails the call.
   */
  onAwsCall?: AwsCallListener;
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

/** What a start did with the previous run's outputs. */
export interface PreviousRun {
  action: 'none' | 'deleted' | 'kept';
  /** Where they are when kept (`<stateDir>/previous-run`). */
  path: string | null;
}

export interface LocalStack {
  readonly config: HeraldConfig;
  /** What this start did with the previous run's outputs. */
  readonly previousRun: PreviousRun;
  /** The lock of a process that had died holding the state folder, which this start replaced. */
  readonly staleLock: LockInfo | null;
  readonly bucket: string;
  readonly tableName: string;
  readonly clock: LocalClock;
  /** The stack's own clients (the functions make theirs through their entries). */
  readonly clients: LocalClients;
  readonly endpoints: LocalStackEndpoints;
  readonly paths: LocalStackPaths;
  /** The ARNs, URLs and names of the local resources. */
  readonly resources: LocalResources;
  /** The environment each function was booted with. */
  readonly environments: LocalEnvironments;
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
  /** Runs the overdue-release sweep now (AWS: an EventBridge rule every 5 minutes). */
  sweep(): Promise<void>;
  /** Advances past every pending embargo lift; resolves with the new time (null if none). */
  fastForward(): Promise<Date | null>;
  summary(): StackSummary;
  /** Calls `listener` whenever something observable happened (as `options.onChange`); returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** The bookkeeping behind `summary()`: uploads, press jobs, send batches, releases. */
  readonly records: StackRecords;
  readonly faults: {
    /** The next `times` SendRawEmail calls (to `recipient`) throw before reaching SES. */
    failSend(options?: { recipient?: string; times?: number; errorName?: string }): void;
    /** The partner receiver answers 500 to its next `times` deliveries. */
    failPartner(name: string, times?: number): void;
    failWebsite(times?: number): void;
  };
  stop(): Promise<void>;
}

/** Outputs of a previous run; emulator data included, secrets.json and tls/ kept. */
const RUN_OUTPUTS = [
  'outbox',
  'partners',
  'website',
  'ops.jsonl',
  'dead-letters.jsonl',
  's3',
  'logs',
];

/** Where `fresh: false` keeps the previous run's outputs. */
export const PREVIOUS_RUN_DIR = 'previous-run';

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Deletes the previous run's outputs, or moves them to previous-run/; says which. */
async function setAsidePreviousRun(stateDir: string, fresh: boolean): Promise<PreviousRun> {
  const found = (
    await Promise.all(
      RUN_OUTPUTS.map(async (name) => ((await exists(join(stateDir, name))) ? name : null)),
    )
  ).filter((name): name is string => name !== null);
  const kept = join(stateDir, PREVIOUS_RUN_DIR);
  if (fresh) {
    await Promise.all(
      [...found, PREVIOUS_RUN_DIR].map((name) =>
        rm(join(stateDir, name), { recursive: true, force: true }),
      ),
    );
    return { action: found.length > 0 ? 'deleted' : 'none', path: null };
  }
  if (found.length === 0) return { action: 'none', path: null };
  await rm(kept, { recursive: true, force: true });
  await mkdir(kept, { recursive: true });
  for (const name of found) await rename(join(stateDir, name), join(kept, name));
  return { action: 'kept', path: kept };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stateDir = resolve(options.stateDir);
  const config = options.config;
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const clock = options.clock ?? runningClock(options.now);

  // Before anything in the folder changes: one stack per folder, and every fixed port free.
  const lock = await acquireStateLock(stateDir, options.command ?? 'a local stack');
  let previousRun: PreviousRun;
  try {
    await assertPortsFree(ports);
    previousRun = await setAsidePreviousRun(stateDir, options.fresh ?? true);
  } catch (error) {
    await lock.release();
    throw error;
  }
  try {
    return await startInLockedFolder(options, {
      stateDir,
      config,
      ports,
      clock,
      lock,
      previousRun,
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startInLockedFolder(
  options: LocalStackOptions,
  started: {
    stateDir: string;
    config: HeraldConfig;
    ports: Record<PortName, number>;
    clock: LocalClock;
    lock: StateLock;
    previousRun: PreviousRun;
  },
): Promise<LocalStack> {
  const { stateDir, config, ports, clock, lock, previousRun } = started;

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
  const listeners = new Set<() => void>();
  const records = new StackRecords({
    stateDir,
    jsonl,
    deadLettersPath: paths.deadLetters,
    changed: () => {
      options.onChange?.();
      for (const listener of listeners) listener();
    },
  });
  const resources = localResources();

  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  try {
    emulators = await startEmulators({
      ports,
      s3Directory: join(stateDir, 's3'),
      buckets: [LOCAL_BUCKET],
    });
  } catch (error) {
    await logs.close();
    throw error;
  }

  // Closed if a later step fails, and by stop().
  const servers: Array<{ close(): Promise<void> }> = [emulators];
  const closeServers = () => Promise.all(servers.map((s) => s.close()));
  let receivers: Receivers;
  let clients: LocalClients | undefined;
  let composition: LocalComposition;
  const outbox = new Outbox(paths.outbox);
  try {
    receivers = await startReceivers({
      port: ports.http,
      stateDir,
      jsonl,
      now: () => clock.now(),
      tls,
      links: { 'SES inbox': emulators.ses.url },
    });
    servers.push(receivers);
    clients = createLocalClients({
      s3: emulators.s3.url,
      ses: emulators.ses.url,
      dynamodb: emulators.dynamodb.url,
    });
    await createLedgerTable(clients.dynamodb, LOCAL_TABLE);
    composition = composeLocalStack({
      config,
      resources,
      clock,
      delayScale: options.delayScale ?? 1,
      sendRatePerSecond: options.sendRatePerSecond,
      endpoints: { s3: emulators.s3.url, ses: emulators.ses.url, dynamodb: emulators.dynamodb.url },
      receivers,
      outbox,
      secrets,
      tracker,
      jsonl,
      logs,
      records,
      opsPath: paths.ops,
      onAwsCall: options.onAwsCall,
    });
  } catch (error) {
    if (clients) destroyLocalClients(clients);
    await closeServers();
    await logs.close();
    throw error;
  }
  const stackClients = clients;

  let stopped = false;
  emulators.s3.onEvent((record) => {
    if (stopped || !isIngestRecord(record)) return;
    const event = toS3Event(record, LOCAL_REGION);
    const key = record.s3.object.key;
    records.lastEvent.set(key, event);
    composition.invokeIngest(event, records.upload(key));
    records.changed();
  });

  const putObject = async (key: string, body: string | Uint8Array) => {
    if (stopped) throw new StackStoppedError();
    // Buffer bodies: s3rver cannot read the SDK's streaming checksum trailer.
    await stackClients.s3.send(
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
  const { scheduler } = composition;

  // What `herald status` and a second start read: where this stack's ledger and pages are.
  await lock.update({
    ports: {
      s3: emulators.s3.port,
      ses: emulators.ses.port,
      dynamodb: emulators.dynamodb.port,
      http: receivers.port,
    },
    endpoints: { dynamodb: emulators.dynamodb.url, http: receivers.url },
    table: LOCAL_TABLE,
    timezone: config.timezone,
  });

  const stack: LocalStack = {
    config,
    previousRun,
    staleLock: lock.staleFrom,
    bucket: LOCAL_BUCKET,
    tableName: LOCAL_TABLE,
    clock,
    clients: stackClients,
    endpoints: {
      s3: emulators.s3.url,
      ses: emulators.ses.url,
      dynamodb: emulators.dynamodb.url,
      http: receivers.url,
      inbox: emulators.ses.url,
    },
    paths,
    resources,
    environments: composition.environments,
    outbox,
    receivers,
    scheduler,
    uploads: records.uploads,
    deadLetters: records.deadLetters,
    published: records.published,
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
      const event = records.lastEvent.get(key);
      if (!event) throw new LocalStackError(`No S3 event has been seen for ${key}.`);
      composition.invokeIngest(event, records.upload(key));
    },
    drain,
    async advanceClock(to) {
      scheduler.advanceTo(typeof to === 'string' ? new Date(to) : to);
      await drain();
      // As the EventBridge rule would, some minutes on: a release whose schedule was lost.
      await composition.sweep();
      await drain();
    },
    async sweep() {
      await composition.sweep();
      await drain();
    },
    async fastForward() {
      const at = scheduler.fastForward();
      await drain();
      return at;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    records,
    summary() {
      return records.summary({
        outbox,
        receivers,
        partnerNames: config.partners.subscriptions.map((s) => s.name),
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
      composition.stop();
      await jsonl.flush();
      destroyLocalClients(stackClients);
      await closeServers();
      await logs.close();
      await lock.release();
    },
  };
  return stack;
}

// readJsonl reads the stack's JSON-lines outputs; frozenClock is for tests and `--once`
// runs that must not depend on wall time.
export { frozenClock, readJsonl, runningClock };
