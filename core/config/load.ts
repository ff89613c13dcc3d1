/**
 * herald.config.json → a validated HeraldConfig (docs/deploy.md). `parseConfig` is
 * pure; `loadConfigFile` is the only function here that touches the file
 * system, and it throws ConfigError listing every problem: a bad config must
 * stop `cdk synth` and the local stack before anything is deployed or started.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import { validateFilterPolicy } from '../filter-policy';
import type { Issue } from '../types';
import { plainEnglishErrors, sortIssues, toIssues } from '../validation/issues';
import { readJsonObject } from '../validation/json';
import { configSchema, type HeraldConfig } from './schema';

/** A config is a page of settings; anything near this size is a mistake. */
export const MAX_CONFIG_BYTES = 256 * 1024;

export type ConfigParseResult = { ok: true; config: HeraldConfig } | { ok: false; errors: Issue[] };

const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  sender:
    'add "sender": {"from": "Press Office <press@example.org>", "sesIdentity": "example.org"}.',
  'sender.from':
    'add "from": the address emails are sent from, like "Press Office <press@example.org>".',
  'sender.sesIdentity':
    'add "sesIdentity": the domain or address verified in SES, like "example.org".',
  opsEmails: 'add "opsEmails": a list of addresses that hear about rejected files and failures.',
  'approval.approvers':
    'add "approvers": the people who approve each statement, like [{"email": "head-of-comms@example.org", "name": "Sam Head"}].',
  'approval.approvers.*.email': 'add "email": the address the proof email goes to.',
  'approval.approvers.*.name': 'add "name": how the approver is named in the audit trail.',
  'partners.subscriptions.*.name': 'add "name": a short lower-case name for this subscription.',
  'partners.subscriptions.*.protocol': 'add "protocol": one of "https", "sqs", "email", "lambda".',
  'partners.subscriptions.*.endpoint':
    'add "endpoint": the https:// URL, queue ARN, email address or function ARN to deliver to.',
};

export function parseConfig(input: Uint8Array | string): ConfigParseResult {
  const read = readJsonObject(input, { maxBytes: MAX_CONFIG_BYTES, noun: 'configuration' });
  if (!read.ok) return { ok: false, errors: read.errors };
  const { value, offsets, issues } = read.document;
  const result = configSchema.safeParse(value, { error: plainEnglishErrors });
  const errors = sortIssues(
    [
      ...issues,
      ...filterPolicyIssues(value),
      ...(result.success
        ? []
        : toIssues(result.error.issues, {
            schema: configSchema,
            input: value,
            requiredHints: REQUIRED_HINTS,
          })),
    ],
    offsets,
  );
  if (!result.success || errors.length > 0) return { ok: false, errors };
  return { ok: true, config: result.data };
}

/**
 * The schema only insists a filter policy is an object; SNS's operators and
 * limits are checked here so a bad policy stops deploys, not subscriptions.
 */
function filterPolicyIssues(raw: Record<string, unknown>): Issue[] {
  const partners = raw.partners;
  if (typeof partners !== 'object' || partners === null) return [];
  const subscriptions = (partners as Record<string, unknown>).subscriptions;
  if (!Array.isArray(subscriptions)) return [];
  return subscriptions.flatMap((subscription: unknown, index) => {
    if (typeof subscription !== 'object' || subscription === null) return [];
    const policy = (subscription as Record<string, unknown>).filterPolicy;
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return [];
    const base = `partners.subscriptions.${index}.filterPolicy`;
    return validateFilterPolicy(policy).map((issue) => ({
      path: issue.path === '' ? base : `${base}.${issue.path}`,
      message: issue.message,
    }));
  });
}

/** Reads and validates a config file; throws ConfigError (with every issue) when it cannot. */
export function loadConfigFile(path: string): HeraldConfig {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason =
      error instanceof Error && 'code' in error && error.code === 'ENOENT'
        ? 'the file does not exist; copy herald.config.json from the repository root and edit it.'
        : `the file cannot be read (${error instanceof Error ? error.message : String(error)}).`;
    throw new ConfigError([{ path: '', message: `Cannot read ${path}: ${reason}` }], path, {
      cause: error,
    });
  }
  const result = parseConfig(bytes);
  if (!result.ok) throw new ConfigError(result.errors, path);
  return result.config;
}
