/**
 * Starts the local stack for tests: random loopback ports, a temp state dir, a frozen
 * clock the test moves explicitly, immediate retries and a fast send rate. Always pair
 * with `stop()` (it also removes the temp dir).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ParsedMail, simpleParser } from 'mailparser';
import type { HeraldConfig } from '../../core/config/schema';
import { configSchema, type HeraldConfigInput } from '../../core/config/schema';
import { frozenClock, type LocalClock } from '../../local/clock';
import { readJsonl } from '../../local/jsonl';
import type { HookRecord, PartnerRecord } from '../../local/receivers';
import {
  type AwsCall,
  type AwsCallListener,
  type LocalStack,
  startLocalStack,
} from '../../local/stack';
import { assertPermitted, synthesizeHerald } from '../iam/evaluate';

export const REPO = join(import.meta.dirname, '..', '..');
export const EXAMPLES = join(REPO, 'examples', 'statements');

/**
 * The real CLI as a user runs it: `node bin/herald.mjs dev --once --json` in
 * `stateDir`, at 09:00 GMT on 20 February 2024 (the examples' morning), with `args`.
 */
export function devOnce(
  stateDir: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(
    process.execPath,
    [
      'bin/herald.mjs',
      'dev',
      '--once',
      '--json',
      '--state-dir',
      stateDir,
      '--now',
      '2024-02-20T09:00:00Z',
      ...args,
    ],
    { cwd: REPO, timeout: timeoutMs },
  );
}

export interface TestStack extends LocalStack {
  readonly testClock: LocalClock;
  /** Parsed `.eml` files in the outbox for one revision, by recipient file name. */
  emails(id: string, revision: number): Promise<Map<string, ParsedMail>>;
  /** Names of the `.eml` files for one revision (duplicates show as `name~2.eml`). */
  emlFiles(id: string, revision: number): Promise<string[]>;
  partnerRecords(name: string): Promise<PartnerRecord[]>;
  hooks(): Promise<HookRecord[]>;
  ops(): Promise<Array<{ subject: string | null; text: string; receivedAt: string }>>;
  deadLetterLines(): Promise<Array<{ source: string; reason: string; body: string }>>;
  readExample(name: string): Promise<string>;
}

export const TEST_CONFIG: HeraldConfigInput = {
  sender: { from: 'Herald Press Office <press@example.org>', sesIdentity: 'example.org' },
  opsEmails: ['ops@example.org'],
  timezone: 'Europe/London',
  press: { sendRatePerSecond: 14, listKey: 'lists/press.csv' },
  partners: {
    subscriptions: [
      {
        name: 'police-partnership',
        protocol: 'https',
        endpoint: 'https://partners.example.net/herald/police',
        filterPolicy: { type: ['statement.released'] },
      },
      {
        name: 'health-trust',
        protocol: 'sqs',
        endpoint: 'arn:aws:sqs:eu-west-2:111122223333:herald-health-trust',
        filterPolicy: { topics: ['safeguarding'], embargoed: ['false'] },
        rawMessageDelivery: true,
      },
      { name: 'newsdesk-archive', protocol: 'email', endpoint: 'archive@example.com' },
    ],
  },
  website: { hookUrl: 'https://example.org/hooks/rebuild' },
};

export interface TestStackOptions {
  config?: HeraldConfigInput;
  pressList?: string;
  now?: Date;
  /** Sees every SDK command the functions issue. */
  onAwsCall?: AwsCallListener;
  /**
   * On stop, check every SDK command each function issued against the IAM policies the
   * synthesized stack deploys it with (test/iam). @default true
   */
  checkPermissions?: boolean;
}

/** One synthesis per config per test file: the permission check reads its template. */
const synthesized = new Map<string, ReturnType<typeof synthesizeHerald>>();

function deployedFor(config: HeraldConfigInput) {
  const key = JSON.stringify(config);
  let found = synthesized.get(key);
  if (!found) {
    found = synthesizeHerald({ config });
    synthesized.set(key, found);
  }
  return found;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'herald-e2e-'));
  const configInput = options.config ?? TEST_CONFIG;
  const config: HeraldConfig = configSchema.parse(configInput);
  const calls: AwsCall[] = [];
  const testClock = frozenClock(options.now ?? new Date('2024-02-20T09:00:00Z'));
  const pressList =
    options.pressList ?? (await readFile(join(REPO, 'examples', 'press.csv'), 'utf8'));
  const stack = await startLocalStack({
    stateDir,
    config,
    pressList,
    ports: { s3: 0, ses: 0, dynamodb: 0, http: 0 },
    clock: testClock,
    delayScale: 0,
    sendRatePerSecond: 1000,
    logLevel: 'INFO',
    onAwsCall: (call) => {
      calls.push(call);
      options.onAwsCall?.(call);
    },
  });

  const emlFiles = async (id: string, revision: number) => {
    try {
      return (await readdir(join(stack.paths.outbox, id, String(revision)))).sort();
    } catch {
      return [];
    }
  };

  return Object.assign(Object.create(stack) as LocalStack, stack, {
    testClock,
    emlFiles,
    async emails(id: string, revision: number) {
      const result = new Map<string, ParsedMail>();
      for (const name of await emlFiles(id, revision)) {
        const raw = await readFile(join(stack.paths.outbox, id, String(revision), name));
        result.set(name.replace(/\.eml$/, ''), await simpleParser(raw));
      }
      return result;
    },
    partnerRecords: (name: string) =>
      readJsonl<PartnerRecord>(join(stack.paths.partners, `${name}.jsonl`)),
    hooks: () => readJsonl<HookRecord>(stack.paths.websiteHooks),
    ops: () =>
      readJsonl<{ subject: string | null; text: string; receivedAt: string }>(stack.paths.ops),
    deadLetterLines: () =>
      readJsonl<{ source: string; reason: string; body: string }>(stack.paths.deadLetters),
    readExample: (name: string) => readFile(join(EXAMPLES, name), 'utf8'),
    async stop() {
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
      if (options.checkPermissions === false || calls.length === 0) return;
      // What the local stack did must be allowed as deployed: a denied call fails the test.
      const { template, functions } = deployedFor(configInput);
      await assertPermitted(calls, {
        template,
        functions,
        environments: stack.environments,
        // Local receivers and the tests' fast send rate; every other value is a resource name.
        settingsThatMayDiffer: [
          'WEBSITE_HOOK_URL',
          'UNSUBSCRIBE_BASE_URL',
          'SEND_RATE_PER_SECOND',
          'SEND_MAX_CONCURRENCY',
        ],
        sesIdentity: config.sender.sesIdentity,
      });
    },
  });
}

/** Requests a local https URL, trusting the stack's self-signed certificate. */
export async function httpsRequest(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string>; ca: string },
): Promise<{ status: number; body: string }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, ca: options.ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
