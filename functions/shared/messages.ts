/**
 * Messages between Herald's functions (docs/architecture.md, "Messages between
 * functions"). Every body is parsed with its schema on arrival: a malformed
 * message fails loudly with MessageFormatError (and lands in a dead-letter
 * queue) instead of half-working.
 *
 * Written with `zod/mini` (./zod-mini): this module is in the send bundle, and
 * classic zod plus the statement schema were most of its cold-start import.
 */

import * as z from 'zod/mini';
import { STATEMENT_ID_PATTERN } from '../../core/statement/id';
import type { Issue, Recipient } from '../../core/types';
import { MessageFormatError } from './errors';
import './zod-mini';

/** Most recipients in one SendBatch (DESIGN §7). */
export const SEND_BATCH_SIZE = 50;

const id = z.string().check(z.regex(STATEMENT_ID_PATTERN, { error: 'not a statement id' }));
const revision = z.int().check(z.gte(1), z.lte(999));
const instant = z
  .string()
  .check(z.refine((s) => !Number.isNaN(Date.parse(s)), { error: 'not an ISO 8601 instant' }));
const s3Key = z.string().check(z.minLength(1), z.maxLength(1024));

export const PRESS_JOB_TYPES = ['published', 'corrected', 'withdrawn'] as const;
export type PressJobType = (typeof PRESS_JOB_TYPES)[number];

/** press topic → press queue → dispatch: one per statement revision. */
export interface PressJob {
  id: string;
  revision: number;
  type: PressJobType;
  /** `rendered/<id>/<rev>/email.json`: the RenderedEmail send reads. */
  emailKey: string;
}

/** dispatch → send queue → send: up to 50 journalists. */
export interface SendBatch {
  id: string;
  revision: number;
  emailKey: string;
  recipients: Recipient[];
}

/** scheduler / ingest → release. */
export interface ReleaseRequest {
  id: string;
  revision: number;
}

/** website topic → website queue → website-hook. */
export interface WebsiteRelease {
  type: 'statement.released';
  id: string;
  revision: number;
  headline: string;
  /** `published/<id>/<rev>/`: the public files for this revision. */
  publishedPrefix: string;
  releasedAt: string;
}

/** ops topic: read by people (email subscribers); `subject` is the SNS Subject. */
export interface OpsMessage {
  subject: string;
  text: string;
}

export const pressJobSchema = z.strictObject({
  id,
  revision,
  type: z.enum(PRESS_JOB_TYPES),
  emailKey: s3Key,
}) satisfies z.ZodMiniType<PressJob>;

const recipientSchema = z.strictObject({
  email: z.string().check(z.minLength(3), z.maxLength(254)),
  name: z.exactOptional(z.string().check(z.maxLength(200))),
  outlet: z.exactOptional(z.string().check(z.maxLength(200))),
}) satisfies z.ZodMiniType<Recipient>;

export const sendBatchSchema = z.strictObject({
  id,
  revision,
  emailKey: s3Key,
  recipients: z.array(recipientSchema).check(z.minLength(1), z.maxLength(SEND_BATCH_SIZE)),
}) satisfies z.ZodMiniType<SendBatch>;

export const releaseRequestSchema = z.strictObject({
  id,
  revision,
}) satisfies z.ZodMiniType<ReleaseRequest>;

export const websiteReleaseSchema = z.strictObject({
  type: z.literal('statement.released'),
  id,
  revision,
  headline: z.string().check(z.minLength(1)),
  publishedPrefix: s3Key,
  releasedAt: instant,
}) satisfies z.ZodMiniType<WebsiteRelease>;

/**
 * Parses a message: `input` is the JSON body text (SQS record body, SNS
 * Message) or an already-parsed object (the scheduler hands the Lambda the
 * payload as the event).
 */
function parseWith<T>(schema: z.ZodMiniType<T>, what: string, input: unknown): T {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new MessageFormatError(what, [{ path: '', message: 'the body is not JSON' }]);
    }
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: Issue[] = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  throw new MessageFormatError(what, issues);
}

export const parsePressJob = (input: unknown): PressJob =>
  parseWith(pressJobSchema, 'PressJob', input);
export const parseSendBatch = (input: unknown): SendBatch =>
  parseWith(sendBatchSchema, 'SendBatch', input);
export const parseReleaseRequest = (input: unknown): ReleaseRequest =>
  parseWith(releaseRequestSchema, 'ReleaseRequest', input);
export const parseWebsiteRelease = (input: unknown): WebsiteRelease =>
  parseWith(websiteReleaseSchema, 'WebsiteRelease', input);

/** The key of the RenderedEmail for a statement revision. */
export function renderedPrefix(id: string, revision: number): string {
  return `rendered/${id}/${revision}/`;
}

export function publishedPrefix(id: string, revision: number): string {
  return `published/${id}/${revision}/`;
}

/**
 * SNS Subject: ASCII only, no line breaks, ≤ 100 characters (SNS rejects
 * anything else, which would fail the publish for a cosmetic reason).
 */
export function opsSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .trim();
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 99)}~`;
}
