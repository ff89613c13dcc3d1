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
import { REVISION_KINDS, type RevisionKind } from '../../core/lifecycle/types';
import { STATEMENT_ID_PATTERN } from '../../core/statement/id';
import type { Issue, Recipient } from '../../core/types';
import { MessageFormatError } from './errors';
import './zod-mini';

/** Most recipients in one SendBatch (docs/architecture.md, "Messages between functions"). */
export const SEND_BATCH_SIZE = 50;

const id = z.string().check(z.regex(STATEMENT_ID_PATTERN, { error: 'not a statement id' }));
const revision = z.int().check(z.gte(1), z.lte(999));
const instant = z
  .string()
  .check(z.refine((s) => !Number.isNaN(Date.parse(s)), { error: 'not an ISO 8601 instant' }));
const s3Key = z.string().check(z.minLength(1), z.maxLength(1024));

export const PRESS_JOB_TYPES = REVISION_KINDS;
export type PressJobType = RevisionKind;

/** press topic → press queue → dispatch: one per statement revision (core/lifecycle's `press` effect). */
export interface PressJob {
  id: string;
  revision: number;
  type: PressJobType;
  /** `rendered/<id>/<rev>/email.json`: the RenderedEmail send reads. */
  emailKey: string;
  /** Press-list topics to select (`[]`: every journalist); null: nobody from the list. */
  topics: string[] | null;
  /** Also everyone who was sent any earlier revision (corrections and withdrawals). */
  holders: boolean;
}

/** dispatch → send queue → send: up to 50 journalists. */
export interface SendBatch {
  id: string;
  revision: number;
  type: PressJobType;
  /** 1, 2, …: which of the revision's batches (for the delivery report). */
  batch: number;
  emailKey: string;
  recipients: Recipient[];
}

/** scheduler → release: release this revision at its lift. */
export interface ReleaseRequest {
  id: string;
  revision: number;
}

/** EventBridge rule → release, every few minutes: release whatever is overdue. */
export interface SweepRequest {
  type: 'sweep';
}

export type ReleaseEvent = ReleaseRequest | SweepRequest;

/** website topic → website queue → website-hook: a release. */
export interface WebsiteRelease {
  type: 'statement.released';
  id: string;
  revision: number;
  headline: string;
  /** `published/<id>/<rev>/`: the public files for this revision. */
  publishedPrefix: string;
  releasedAt: string;
}

/** website topic → website queue → website-hook: take the statement down. */
export interface WebsiteWithdrawal {
  type: 'statement.withdrawn';
  id: string;
  revision: number;
  reference: string | null;
  withdrawalReason: string;
  withdrawnAt: string;
}

export type WebsiteMessage = WebsiteRelease | WebsiteWithdrawal;

/**
 * approval function (via the approvals topic) or `herald approve`/`herald reject`
 * (a direct invocation) → ingest: an approver decided on a revision awaiting
 * approval. The decision itself is in the ledger (`appr#<rev>#<approver>`); ingest
 * counts the approvals there, so this message only says "look now".
 */
export interface ApprovalDecisionMessage {
  type: 'approval.decided';
  id: string;
  revision: number;
  decision: 'approved' | 'rejected';
}

const topic = z.string().check(z.minLength(1), z.maxLength(64));

export const pressJobSchema = z.strictObject({
  id,
  revision,
  type: z.enum(PRESS_JOB_TYPES),
  emailKey: s3Key,
  topics: z.nullable(z.array(topic).check(z.maxLength(1000))),
  holders: z.boolean(),
}) satisfies z.ZodMiniType<PressJob>;

const recipientSchema = z.strictObject({
  email: z.string().check(z.minLength(3), z.maxLength(254)),
  name: z.exactOptional(z.string().check(z.maxLength(200))),
  outlet: z.exactOptional(z.string().check(z.maxLength(200))),
}) satisfies z.ZodMiniType<Recipient>;

export const sendBatchSchema = z.strictObject({
  id,
  revision,
  type: z.enum(PRESS_JOB_TYPES),
  batch: z.int().check(z.gte(1)),
  emailKey: s3Key,
  recipients: z.array(recipientSchema).check(z.minLength(1), z.maxLength(SEND_BATCH_SIZE)),
}) satisfies z.ZodMiniType<SendBatch>;

export const releaseRequestSchema = z.strictObject({
  id,
  revision,
}) satisfies z.ZodMiniType<ReleaseRequest>;

export const releaseEventSchema = z.union([
  releaseRequestSchema,
  z.strictObject({ type: z.literal('sweep') }),
]) satisfies z.ZodMiniType<ReleaseEvent>;

export const websiteMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('statement.released'),
    id,
    revision,
    headline: z.string().check(z.minLength(1)),
    publishedPrefix: s3Key,
    releasedAt: instant,
  }),
  z.strictObject({
    type: z.literal('statement.withdrawn'),
    id,
    revision,
    reference: z.nullable(z.string()),
    withdrawalReason: z.string(),
    withdrawnAt: instant,
  }),
]) satisfies z.ZodMiniType<WebsiteMessage>;

export const approvalDecisionSchema = z.strictObject({
  type: z.literal('approval.decided'),
  id,
  revision,
  decision: z.enum(['approved', 'rejected']),
}) satisfies z.ZodMiniType<ApprovalDecisionMessage>;

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
export const parseReleaseEvent = (input: unknown): ReleaseEvent =>
  parseWith(releaseEventSchema, 'ReleaseEvent', input);
export const parseApprovalDecision = (input: unknown): ApprovalDecisionMessage =>
  parseWith(approvalDecisionSchema, 'ApprovalDecisionMessage', input);
export const parseWebsiteMessage = (input: unknown): WebsiteMessage =>
  parseWith(websiteMessageSchema, 'WebsiteMessage', input);

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
