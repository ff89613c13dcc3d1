/**
 * The SES emulator in a child process, and the env that points a Lambda
 * bundle's SDK clients at the emulators. S3 and DynamoDB emulators come from
 * the local stack (local/emulators.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleHarness } from './bundle';
import { startServerChild } from './child';

export interface SesEmulator {
  url: string;
  stop(): Promise<void>;
  /** Everything the emulator stored (GET /store). */
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  /** CPU time (user + system) the emulator process has used so far, in ms (Linux /proc). */
  cpuMs(): Promise<number>;
  /** With `rate`: the sends the rate let through and refused, in ms since the epoch. */
  pacingStats(): Promise<PacingStats>;
  pacingReset(): Promise<void>;
}

export interface PacingStats {
  rate: number;
  burst: number;
  acceptedAt: number[];
  throttledAt: number[];
}

export interface SesOptions {
  /** Enforce an account sending rate (emails/s): over it SES answers Throttling. */
  rate?: number;
  /** Sends the rate's token bucket holds. @default one second's worth */
  burst?: number;
}

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  at: number;
}

export async function startSesChild(
  buildDir: string,
  root: string,
  options: SesOptions = {},
): Promise<SesEmulator> {
  const script = await bundleHarness(
    join(root, 'bench/harness/ses-emulator.ts'),
    join(buildDir, 'harness/ses-emulator.mjs'),
  );
  const args = [
    ...(options.rate === undefined ? [] : ['--rate', String(options.rate)]),
    ...(options.burst === undefined ? [] : ['--burst', String(options.burst)]),
  ];
  const child = await startServerChild(script, args);
  const url = `http://127.0.0.1:${child.port}`;
  return {
    url,
    stop: child.stop,
    emails: async () => {
      const res = await fetch(`${url}/store`);
      const body = (await res.json()) as { emails: StoredEmail[] };
      return body.emails;
    },
    clear: async () => {
      await fetch(`${url}/clear-store`, { method: 'POST' });
    },
    cpuMs: () => processCpuMs(child.child.pid),
    pacingStats: async () => {
      const res = await fetch(`${url}/pacing-stats`);
      if (!res.ok) throw new Error(`the SES emulator enforces no rate (${res.status})`);
      return (await res.json()) as PacingStats;
    },
    pacingReset: async () => {
      await fetch(`${url}/pacing-reset`, { method: 'POST' });
    },
  };
}

/** Env for a child process: SDK v3 reads AWS_ENDPOINT_URL_<SERVICE ID> (e.g. SECRETS_MANAGER) per client. */
export function awsEnv(endpoints: {
  s3?: string;
  dynamodb?: string;
  ses?: string;
  stub?: string;
}): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: 'eu-west-2',
    // s3rver checks signatures against these fixed credentials; the other emulators accept any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_EC2_METADATA_DISABLED: 'true',
    // s3rver rejects the streaming checksum trailer newer SDKs send.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
  if (endpoints.s3) env.AWS_ENDPOINT_URL_S3 = endpoints.s3;
  if (endpoints.dynamodb) env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.ses) env.AWS_ENDPOINT_URL_SES = endpoints.ses;
  if (endpoints.stub) {
    env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.stub;
    env.AWS_ENDPOINT_URL_SNS = endpoints.stub;
    env.AWS_ENDPOINT_URL_SQS = endpoints.stub;
    env.AWS_ENDPOINT_URL_SCHEDULER = endpoints.stub;
  }
  return env;
}

/** Clock ticks per second for /proc/<pid>/stat: 100 on every Linux we run on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** utime + stime of another process, in ms; NaN where /proc is missing. */
export async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
