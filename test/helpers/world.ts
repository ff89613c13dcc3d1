/**
 * A whole Herald over the in-memory fakes, for lifecycle tests: the real
 * ingest, release (and its sweep), dispatch, send and website-hook handlers,
 * with SNS, SQS and the scheduler replaced by queues this harness delivers
 * when told to (so a test chooses every order, redelivery and crash), SES and
 * the website as recorders, and partners as filter-policy subscribers.
 *
 * Everything a person or partner would see goes into one ordered log of
 * observations, stamped with the clock, for the invariants to read.
 */
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import type {
  LambdaFunctionURLEvent,
  LambdaFunctionURLResult,
  SNSEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { APPROVAL_HEADER, parseApprovalHeader } from '../../core/approval/proof';
import { latestKey, type PublishedLatest } from '../../core/bucket-layout';
import { type ApprovalConfig, approvalSchema } from '../../core/config/schema';
import { type FilterPolicy, matchesFilterPolicy } from '../../core/filter-policy';
import type { StatementInput } from '../../core/statement/schema';
import { createApprovalHandler } from '../../functions/approval/handler';
import { createDispatchHandler } from '../../functions/dispatch/handler';
import { createIngestHandler, type IngestOutcome } from '../../functions/ingest/handler';
import { createReleaseHandler } from '../../functions/release/handler';
import { createSendHandler } from '../../functions/send/handler';
import { createLogger } from '../../functions/shared/logger';
import type { Publisher, PublishRequest, ReleaseSchedule } from '../../functions/shared/ports';
import { staticSecret } from '../../functions/shared/secrets';
import { createWebsiteHookHandler } from '../../functions/website-hook/handler';
import { createFakeDynamo, type FakeDynamo } from './fake-dynamo';
import { BUCKET, FakeBucket, s3Event, s3Record, TABLE, TestClock } from './herald-fakes';

/** The press list: the founding sample (safeguarding, case-reviews) reaches ann, cat and dev. */
export const JOURNALISTS = [
  'ann@example.org,Ann,Post,safeguarding',
  'bob@example.org,Bob,Mail,education',
  'cat@example.org,Cat,Times,',
  'dev@example.org,Dev,Echo,health;case-reviews',
];

/** Partner subscriptions with the policies partners really use. */
export const PARTNERS: Record<string, FilterPolicy | null> = {
  everything: null,
  'released-only': { type: ['statement.released'] },
  'public-only': { embargoed: ['false'] },
};

export type Observation =
  | { kind: 'email'; to: string; id: string; revision: number; subject: string }
  | {
      kind: 'partner';
      partner: string;
      type: string;
      id: string;
      revision: number;
      embargoed: boolean;
      /** The message carries the statement's text (not a bare withdrawal notice). */
      content: boolean;
      body: string;
    }
  | { kind: 'website'; type: string; id: string; revision: number }
  | { kind: 'latest'; id: string; latest: PublishedLatest };

export type Observed = Observation & { seq: number; at: number };

/** A failure the next matching call suffers, after (`crash`) or instead of its effect. */
export type Fault =
  | { on: 'publish'; topic: PublishRequest['topic']; crash: boolean }
  | { on: 'ses'; kind: 'throttle' | 'ambiguous-accepted' | 'ambiguous-lost' }
  | { on: 'website'; status: number; revision?: number };

interface Queued {
  body: string;
  receives: number;
}

const SILENT = createLogger({ logLevel: 'SILENT' });
const LEASE_MS = 60_000;

/** The approval endpoint's URL in this world (its links carry `?t=<token>`). */
export const APPROVAL_URL = 'https://approval.example.org/';

/** A proof or approval notice ingest sent an approver. */
export interface ApprovalMail {
  to: string;
  kind: 'proof' | 'approved' | 'rejected';
  id: string;
  revision: number;
  raw: string;
}

export interface WorldOptions {
  /** How far the clock moves before a retry of a failed ingest (see `retryAdvanceMs`). */
  retryAdvanceMs?: number;
  /** Approval as in herald.config.json; unset: every upload goes ahead at once. */
  approval?: Partial<ApprovalConfig> & Pick<ApprovalConfig, 'approvers'>;
}

export class World {
  readonly clock: TestClock;
  readonly bucket = new FakeBucket();
  readonly dynamo: FakeDynamo = createFakeDynamo();
  readonly log: Observed[] = [];
  readonly outcomes: IngestOutcome[] = [];
  /** Faults still to happen, in order of arming. */
  readonly faults: Fault[] = [];
  /** How many faults fired that could give someone a second copy. */
  duplicatesAllowed = 0;

  readonly press: Queued[] = [];
  readonly sends: Queued[] = [];
  readonly website: Queued[] = [];
  readonly schedules = new Map<string, ReleaseSchedule>();
  readonly ops: PublishRequest[] = [];
  /** Decisions published by the approval function, not yet delivered to ingest. */
  readonly approvals: Queued[] = [];
  /** Proofs and notices, in the order SES accepted them. */
  readonly approvalMail: ApprovalMail[] = [];
  /** The approval endpoint (only with approval configured). */
  readonly approval: ((event: LambdaFunctionURLEvent) => Promise<LambdaFunctionURLResult>) | null;

  private seq = 0;
  private uploads = 0;
  readonly ingest;
  private readonly release;
  private readonly dispatch;
  private readonly send;
  private readonly websiteHook;

  /**
   * How far the clock moves before Lambda's retry of a failed ingest: past the claims'
   * leases (a crashed attempt's claims lapse). A race test uses 0: the attempt holding
   * the lock is alive, only slow, and must never be overtaken.
   */
  private readonly retryAdvanceMs: number;

  constructor(start = '2024-02-20T09:00:00Z', options: WorldOptions = {}) {
    this.clock = new TestClock(new Date(start));
    this.retryAdvanceMs = options.retryAdvanceMs ?? LEASE_MS + 10_000;
    this.bucket.write('lists/press.csv', ['email,name,outlet,topics', ...JOURNALISTS].join('\n'));
    this.watchLatest();
    const now = this.clock.now;
    const sleep = async (_ms: number) => undefined;
    const publisher = this.publisher();
    const scheduler = {
      create: async (s: ReleaseSchedule) => {
        this.schedules.set(s.name, s);
      },
      delete: async (name: string) => {
        this.schedules.delete(name);
      },
    };
    const common = {
      s3: this.bucket.client,
      ddb: this.dynamo.client,
      publisher,
      logger: SILENT,
      clock: now,
      sleep,
    };
    const settings = { bucket: BUCKET, tableName: TABLE, effectLeaseMs: LEASE_MS };
    const approval = options.approval ? approvalSchema.parse(options.approval) : null;
    const approvalSecret = staticSecret('approval-secret');
    this.ingest = createIngestHandler({
      ...common,
      scheduler,
      ...(approval ? { ses: this.approvalSes() } : {}),
      settings: {
        ...settings,
        defaultTimezone: 'Europe/London',
        approval: approval
          ? {
              ...approval,
              url: APPROVAL_URL,
              secret: approvalSecret,
              from: 'Press Office <press@example.org>',
              pressListKey: 'lists/press.csv',
              partners: Object.entries(PARTNERS).map(([name, filterPolicy]) => ({
                name,
                filterPolicy,
              })),
            }
          : null,
      },
    });
    this.approval = approval
      ? createApprovalHandler({
          ddb: this.dynamo.client,
          publisher,
          logger: SILENT,
          clock: now,
          approvalSecret,
          settings: { tableName: TABLE },
        })
      : null;
    this.release = createReleaseHandler({ ...common, settings });
    this.dispatch = createDispatchHandler({
      ...common,
      queue: {
        sendBatch: async (_queue, bodies) => {
          for (const body of bodies) this.sends.push({ body, receives: 0 });
        },
      },
      settings: { bucket: BUCKET, tableName: TABLE, pressListKey: 'lists/press.csv' },
    });
    this.send = createSendHandler({
      s3: this.bucket.client,
      ses: this.ses(),
      ddb: this.dynamo.client,
      logger: SILENT,
      clock: now,
      sleep,
      random: () => 0.5,
      unsubscribeSecret: staticSecret('unsubscribe-secret'),
      publisher,
      settings: {
        bucket: BUCKET,
        tableName: TABLE,
        from: 'Press Office <press@example.org>',
        unsubscribeBaseUrl: 'https://unsubscribe.example.org/',
        ratePerSecond: 1000,
        leaseMs: LEASE_MS,
        maxAttempts: 2,
      },
    });
    this.websiteHook = createWebsiteHookHandler({
      ddb: this.dynamo.client,
      fetch: this.websiteFetch(),
      logger: SILENT,
      clock: now,
      sleep,
      webhookSecret: staticSecret('webhook-secret'),
      settings: { tableName: TABLE, hookUrl: 'https://www.example.org/hooks/build' },
    });
  }

  get now(): number {
    return this.clock.now().getTime();
  }

  /** Uploads a statement file and runs ingest on its event (retrying as Lambda would). */
  async upload(statement: StatementInput): Promise<IngestOutcome | null> {
    const key = `incoming/upload-${++this.uploads}.json`;
    const versionId = this.bucket.write(key, JSON.stringify(statement));
    return this.deliverUpload(key, versionId);
  }

  /** S3 delivers the event for an earlier upload again. */
  async redeliverUpload(n: number): Promise<IngestOutcome | null> {
    const key = `incoming/upload-${n}.json`;
    const version = this.bucket.objects.get(key)?.at(-1)?.versionId;
    if (!version) return null;
    return this.deliverUpload(key, version);
  }

  get uploadCount(): number {
    return this.uploads;
  }

  private async deliverUpload(key: string, versionId: string): Promise<IngestOutcome | null> {
    // Lambda's async invocation: the first attempt and two retries (more in a race test,
    // where a busy statement only means another attempt is still working).
    // Each injected fault can fail one attempt more than Lambda's three (the DLQ, then a redrive).
    const attempts = this.retryAdvanceMs === 0 ? 50 : 3 + this.faults.length;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const [outcome] = await this.ingest(s3Event(s3Record(key, { versionId })));
        if (outcome) this.outcomes.push(outcome);
        return outcome ?? null;
      } catch {
        // A crash or a busy statement: the retry comes after the claims' leases have run out.
        this.clock.advance(this.retryAdvanceMs);
      }
    }
    return null;
  }

  /** Moves the clock and fires every schedule due by then. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.fireDue();
  }

  async fireDue(): Promise<void> {
    const due = [...this.schedules.values()].filter((s) => Date.parse(s.at) <= this.now);
    for (const schedule of due) {
      this.schedules.delete(schedule.name);
      try {
        await this.release(JSON.parse(schedule.payload));
      } catch {
        // Lambda's async retries are exhausted in the sweep's hands.
      }
    }
  }

  /** A schedule deleted or lost by hand. */
  loseSchedules(): void {
    this.schedules.clear();
  }

  async sweep(): Promise<void> {
    await this.release({ type: 'sweep' }).catch(() => undefined);
  }

  /** Delivers every queued message once; failures stay queued (SQS redelivers them). */
  async pump(only?: 'press' | 'sends' | 'website'): Promise<number> {
    let delivered = 0;
    if (!only) {
      // The approvals topic → ingest (a Lambda subscription: async, retried like an upload).
      for (const message of this.approvals.splice(0)) {
        delivered += 1;
        await this.deliverDecision(message.body);
      }
    }
    for (const [name, queue, consume] of [
      ['press', this.press, this.dispatch],
      ['sends', this.sends, this.send],
      ['website', this.website, this.websiteHook],
    ] as const) {
      if (only && only !== name) continue;
      const batch = queue.splice(0);
      for (const message of batch) {
        delivered += 1;
        message.receives += 1;
        const response = await consume(sqsEvent(message.body)).catch(
          (): SQSBatchResponse => ({ batchItemFailures: [{ itemIdentifier: 'm' }] }),
        );
        if (response.batchItemFailures.length > 0) queue.push(message);
      }
    }
    return delivered;
  }

  /** SQS redelivers a message that was already handled (at-least-once). */
  redeliverLast(queue: 'press' | 'sends' | 'website'): void {
    const sent = this.delivered[queue].at(-1);
    if (sent) this[queue].push({ body: sent, receives: 0 });
  }

  private readonly delivered = {
    press: [] as string[],
    sends: [] as string[],
    website: [] as string[],
  };

  /**
   * Runs until nothing is left: queues, retries (after their leases), schedules due,
   * and the sweep. `pastLifts` moves the clock past every pending lift first.
   */
  async drain(options: { pastLifts?: boolean } = {}): Promise<void> {
    for (let round = 0; round < 40; round++) {
      if (options.pastLifts) {
        const last = Math.max(0, ...[...this.schedules.values()].map((s) => Date.parse(s.at)));
        if (last > this.now) this.clock.set(new Date(last + 1_000));
      }
      await this.fireDue();
      await this.pump();
      if (
        this.press.length + this.sends.length + this.website.length + this.approvals.length ===
        0
      ) {
        if (!options.pastLifts) return;
        if (!this.releasesOwed()) return;
        // What the sweep finds a few minutes later (a lost schedule, a failed release).
        const owedUntil = Math.max(
          ...this.dynamo.table.partition('due').map((d) => Date.parse(String(d.at))),
        );
        this.clock.set(new Date(Math.max(this.now, owedUntil) + 5 * 60_000));
        await this.sweep();
        continue;
      }
      // Something failed: SQS retries after the visibility timeout, past every lease.
      this.clock.advance(6 * 60_000);
    }
    throw new Error(
      `the world did not settle in 40 rounds: ${JSON.stringify({
        press: this.press.map((m) => m.body),
        sends: this.sends.length,
        website: this.website.map((m) => m.body),
        due: this.dynamo.table.partition('due'),
        head: this.dynamo.table
          .partition(`stmt#${'bscp-2024-02-scr'}`)
          .filter((i) => i.sk === 'head'),
      })}`,
    );
  }

  /** Releases the sweep still owes (the ledger's `due` items). */
  releasesOwed(): boolean {
    return this.dynamo.table.partition('due').length > 0;
  }

  observed<K extends Observation['kind']>(kind: K): Array<Extract<Observed, { kind: K }>> {
    return this.log.filter((o): o is Extract<Observed, { kind: K }> => o.kind === kind);
  }

  private observe(observation: Observation): void {
    this.log.push({ ...observation, seq: ++this.seq, at: this.now });
  }

  private takeFault<T extends Fault['on']>(
    on: T,
    matches: (f: Extract<Fault, { on: T }>) => boolean = () => true,
  ): Extract<Fault, { on: T }> | null {
    const index = this.faults.findIndex(
      (f): f is Extract<Fault, { on: T }> => f.on === on && matches(f as Extract<Fault, { on: T }>),
    );
    if (index === -1) return null;
    const [fault] = this.faults.splice(index, 1);
    return fault as Extract<Fault, { on: T }>;
  }

  private publisher(): Publisher {
    return {
      publish: async (request) => {
        const fault = this.takeFault('publish', (f) => f.topic === request.topic);
        if (fault && !fault.crash) throw new Error(`SNS is down (${request.topic})`);
        this.route(request);
        if (fault?.crash) {
          this.duplicatesAllowed += 1;
          throw new Error(`crashed after publishing to ${request.topic}`);
        }
        return { messageId: `sns-${this.seq}` };
      },
    };
  }

  private route(request: PublishRequest): void {
    if (request.topic === 'press') {
      this.press.push({ body: request.body, receives: 0 });
      this.delivered.press.push(request.body);
    } else if (request.topic === 'website') {
      this.website.push({ body: request.body, receives: 0 });
      this.delivered.website.push(request.body);
    } else if (request.topic === 'ops') {
      this.ops.push(request);
    } else if (request.topic === 'approvals') {
      this.approvals.push({ body: request.body, receives: 0 });
    } else {
      const message = JSON.parse(request.body) as {
        type: string;
        statement: { id: string; revision: number };
        content?: unknown;
      };
      const attributes = request.attributes ?? {};
      for (const [partner, policy] of Object.entries(PARTNERS)) {
        if (policy && !matchesFilterPolicy(policy, attributes)) continue;
        this.observe({
          kind: 'partner',
          partner,
          type: message.type,
          id: message.statement.id,
          revision: message.statement.revision,
          embargoed: attributes.embargoed?.StringValue === 'true',
          content: message.content !== undefined,
          body: request.body,
        });
      }
    }
  }

  /** Ingest's SES client: proofs and approval notices, kept apart from the journalists' emails. */
  private approvalSes(): SESClient {
    return fakeSes(async (raw) => {
      const header = new RegExp(`^${APPROVAL_HEADER}: (.*)\r?$`, 'm').exec(raw)?.[1] ?? '';
      const mail = parseApprovalHeader(header);
      const to = /^To: (?:.*<)?([^<>\s]+@[^<>\s]+?)>?\r?$/m.exec(raw)?.[1] ?? '?';
      if (mail) this.approvalMail.push({ ...mail, to: to.toLowerCase(), raw });
      return { MessageId: `ses-approval-${this.approvalMail.length}` };
    });
  }

  /** The Approve and Reject links of the proof `approver` got for a revision (the latest one). */
  async proofLinks(
    approver: string,
    id: string,
    revision: number,
  ): Promise<{ approve: string; reject: string; text: string }> {
    const proof = this.approvalMail.findLast(
      (m) =>
        m.kind === 'proof' &&
        m.to === approver.toLowerCase() &&
        m.id === id &&
        m.revision === revision,
    );
    if (!proof) throw new Error(`no proof for ${approver} of ${id} r${revision}`);
    const text = (await simpleParser(proof.raw)).text ?? '';
    const link = (label: string) =>
      new RegExp(`${label}[^:]*: (https://\\S+)`).exec(text)?.[1] ?? '';
    return { approve: link('Approve'), reject: link('Reject'), text };
  }

  /** Opens a link of a proof (GET), or submits its page's form (POST, with a reason to reject). */
  async follow(
    url: string,
    method: 'GET' | 'POST',
    form: Record<string, string> = {},
  ): Promise<LambdaFunctionURLResult & { statusCode: number; body: string }> {
    if (!this.approval) throw new Error('this world has no approval configured');
    const parsed = new URL(url);
    const query = Object.fromEntries(parsed.searchParams);
    const body = new URLSearchParams(form).toString();
    const result = await this.approval({
      version: '2.0',
      routeKey: '$default',
      rawPath: parsed.pathname,
      rawQueryString: parsed.search.slice(1),
      queryStringParameters: query,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requestContext: {
        accountId: 'anonymous',
        apiId: 'world',
        domainName: parsed.host,
        domainPrefix: 'approval',
        http: {
          method,
          path: parsed.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.1',
          userAgent: 't',
        },
        requestId: `r-${this.seq}`,
        routeKey: '$default',
        stage: '$default',
        time: this.clock.now().toUTCString(),
        timeEpoch: this.now,
      },
      ...(method === 'POST' ? { body } : {}),
      isBase64Encoded: false,
    });
    if (typeof result === 'string') throw new Error('the approval endpoint answered a bare string');
    return { ...result, statusCode: result.statusCode ?? 200, body: result.body ?? '' };
  }

  private async deliverDecision(body: string): Promise<void> {
    const event: SNSEvent = {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: 'arn:aws:sns:eu-west-2:123456789012:approvals:ingest',
          Sns: {
            Type: 'Notification',
            MessageId: `m-${this.seq}`,
            TopicArn: 'arn:aws:sns:eu-west-2:123456789012:approvals',
            Subject: '',
            Message: body,
            Timestamp: this.clock.now().toISOString(),
            SignatureVersion: '1',
            Signature: 'x',
            SigningCertUrl: 'https://example.invalid/cert',
            UnsubscribeUrl: 'https://example.invalid/unsub',
            MessageAttributes: {},
          },
        },
      ],
    };
    for (let attempt = 0; attempt < 3 + this.faults.length; attempt++) {
      try {
        const [outcome] = await this.ingest(event);
        if (outcome) this.outcomes.push(outcome);
        return;
      } catch {
        this.clock.advance(this.retryAdvanceMs);
      }
    }
  }

  private ses(): SESClient {
    return fakeSes(async (raw) => {
      const fault = this.takeFault('ses');
      if (fault?.kind === 'throttle') {
        throw Object.assign(new Error('Maximum sending rate exceeded.'), {
          name: 'Throttling',
          $metadata: { httpStatusCode: 400 },
        });
      }
      if (fault?.kind !== 'ambiguous-lost') this.recordEmail(raw);
      if (fault) {
        this.duplicatesAllowed += 1;
        throw Object.assign(new Error('Internal failure'), {
          name: 'InternalFailure',
          $metadata: { httpStatusCode: 500 },
        });
      }
      return { MessageId: `ses-${this.seq}` };
    });
  }

  private recordEmail(raw: string): void {
    const header = /^X-Herald-Statement: ([^;]+); revision=(\d+)/m.exec(raw);
    const to = /^To: (?:.*<)?([^<>\s]+@[^<>\s]+?)>?\r?$/m.exec(raw);
    const subject = /^Subject: (.*)\r?$/m.exec(raw);
    this.observe({
      kind: 'email',
      to: (to?.[1] ?? '?').toLowerCase(),
      id: header?.[1] ?? '?',
      revision: Number(header?.[2] ?? 0),
      subject: subject?.[1] ?? '',
    });
  }

  private websiteFetch(): typeof fetch {
    return async (_url, init) => {
      const body = JSON.parse(String(init?.body)) as { type: string; id: string; revision: number };
      const fault = this.takeFault(
        'website',
        (f) => f.revision === undefined || f.revision === body.revision,
      );
      if (fault) return new Response('no', { status: fault.status });
      this.observe({ kind: 'website', type: body.type, id: body.id, revision: body.revision });
      return new Response(null, { status: 204 });
    };
  }

  /** Every write of a `published/<id>/latest.json` is what the website would read next. */
  private watchLatest(): void {
    const write = this.bucket.write.bind(this.bucket);
    this.bucket.write = (key, body, contentType) => {
      const versionId = write(key, body, contentType);
      const match = /^published\/([^/]+)\/latest\.json$/.exec(key);
      if (match?.[1] && key === latestKey(match[1])) {
        const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
        this.observe({ kind: 'latest', id: match[1], latest: JSON.parse(text) as PublishedLatest });
      }
      return versionId;
    };
  }
}

function sqsEvent(body: string): SQSEvent {
  return { Records: [{ messageId: 'm', body } as SQSRecord] };
}

/** An SES client whose SendRawEmail hands the raw message to `onRaw`. */
function fakeSes(onRaw: (raw: string) => Promise<{ MessageId: string }>): SESClient {
  const client = new SESClient({
    region: 'eu-west-2',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  mockClient(client)
    .on(SendRawEmailCommand)
    .callsFake(async (input: { RawMessage?: { Data?: Uint8Array } }) =>
      onRaw(Buffer.from(input.RawMessage?.Data ?? new Uint8Array()).toString('utf8')),
    );
  return client;
}
