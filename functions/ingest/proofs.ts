/**
 * Approval mail from ingest: a proof to each approver for a revision awaiting
 * approval, and a notice to each when it is approved or rejected. Each email
 * is one ledger marker (`fx#<rev>#proof#<approver>`, `…#approved#…`,
 * `…#rejected#…`), so a retried event sends nobody a second copy. Sent with
 * SES SendRawEmail as the configured sender, through Herald's configuration set.
 */
import { Readable } from 'node:stream';
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { type PartnerAudience, partnerAudience, pressAudience } from '../../core/approval/audience';
import {
  type ApprovalMailKind,
  buildNoticeMessage,
  buildProofMessage,
  type ProofInput,
  SAMPLE_JOURNALIST,
} from '../../core/approval/proof';
import { HeraldError } from '../../core/errors';
import type { RevisionPlan } from '../../core/lifecycle';
import { buildRawMessage, greetingFor } from '../../core/mime';
import { type PressListRow, readPressList } from '../../core/press-list';
import { fromHeader } from '../../core/render/sender';
import { fillSlots } from '../../core/render/slots';
import { type ApprovalClaims, createApprovalToken } from '../../core/security/approval-token';
import type { Issue, RenderedEmail } from '../../core/types';
import { type EffectRunner, revisionMarker, runEffect } from '../shared/ledger/effects';
import { recipientsOf } from '../shared/ledger/sends';
import type { RenderedBundle } from '../shared/rendered';
import { getObjectBytes } from '../shared/storage';
import type { IngestApprovalSettings, IngestDeps } from './types';

/** A sample unsubscribe link for the proof's copy of the journalist email (never a working one). */
const SAMPLE_UNSUBSCRIBE = 'https://unsubscribe.example.invalid/sample';

export class ApprovalNotConfiguredError extends HeraldError {
  override name = 'ApprovalNotConfiguredError';
}

/** The approval settings and the SES client, or a clear error when the function lacks them. */
export function approvalOf(deps: IngestDeps): IngestApprovalSettings {
  const approval = deps.settings.approval;
  if (!approval || !deps.ses) {
    throw new ApprovalNotConfiguredError(
      'ingest got an approval decision, but approval is not configured for it (APPROVAL_SETTINGS and an SES client).',
    );
  }
  return approval;
}

export interface ProofContext {
  bundle: RenderedBundle;
  /** What approving now would do. */
  plan: RevisionPlan;
  warnings: Issue[];
  uploadedBy: string | null;
  supersedes: number | null;
}

async function sendRaw(deps: IngestDeps, settings: IngestApprovalSettings, raw: Buffer) {
  if (!deps.ses)
    throw new ApprovalNotConfiguredError('ingest has no SES client for approval mail.');
  const out = await deps.ses.send(
    new SendRawEmailCommand({
      RawMessage: { Data: raw },
      ...(settings.configurationSet ? { ConfigurationSetName: settings.configurationSet } : {}),
    }),
  );
  return out.MessageId ?? '';
}

/** Sends each approver their proof (once each); returns a line per approver for the ops summary. */
export async function sendProofs(
  deps: IngestDeps,
  runner: EffectRunner,
  context: ProofContext,
): Promise<string[]> {
  const settings = approvalOf(deps);
  const { statement, rendered } = context.bundle;
  const { id, revision } = statement;
  const now = deps.clock();
  const secret = await settings.secret.get();
  const audience = await describeAudience(deps, settings, context, now);
  const { journalistEmail, journalistText } = await sampleJournalistEmail(
    rendered.email,
    settings.from,
    now,
  );
  const expires = new Date(now.getTime() + settings.linkValidityHours * 3_600_000);
  const lines: string[] = [];
  for (const approver of settings.approvers) {
    const link = (action: 'approve' | 'reject') =>
      approvalLink(settings.url, secret, {
        id,
        revision,
        approver: approver.email,
        name: approver.name,
        action,
        expires: Math.floor(expires.getTime() / 1000),
      });
    const input: ProofInput = {
      statement,
      plan: context.plan,
      social: rendered.social,
      warnings: context.warnings,
      approver,
      required: settings.required,
      approverCount: settings.approvers.length,
      links: { approve: link('approve'), reject: link('reject') },
      linksExpire: expires,
      now,
      timezone: deps.settings.defaultTimezone,
      uploadedBy: context.uploadedBy,
      supersedes: context.supersedes,
      ...audience,
      journalistText,
      journalistSubject: rendered.email.subject,
    };
    const outcome = await runEffect(
      runner,
      revisionMarker(id, revision, `proof#${approver.email.toLowerCase()}`),
      async () => {
        const raw = await buildProofMessage(input, journalistEmail, {
          from: settings.from,
          to: approver,
          configurationSet: settings.configurationSet,
        });
        return { to: approver.email, messageId: await sendRaw(deps, settings, raw) };
      },
    );
    lines.push(
      `Proof sent to ${approver.name} <${approver.email}>${outcome === 'already-done' ? ' (done earlier)' : ''}`,
    );
  }
  return lines;
}

async function describeAudience(
  deps: IngestDeps,
  settings: IngestApprovalSettings,
  context: ProofContext,
  now: Date,
): Promise<Pick<ProofInput, 'press' | 'pressListProblem' | 'partners'>> {
  const { statement, rendered } = context.bundle;
  const press = context.plan.effects.find((e) => e.kind === 'press');
  let rows: PressListRow[] = [];
  let pressListProblem: string | null = null;
  if (press?.kind === 'press' && press.topics !== null) {
    try {
      rows = await readRows(deps, settings);
    } catch (err) {
      pressListProblem = err instanceof Error ? err.message : String(err);
    }
  }
  const holders =
    press?.kind === 'press' && press.holders
      ? (await recipientsOf({ ddb: deps.ddb, tableName: deps.settings.tableName }, statement.id))
          .length
      : 0;
  const partners: PartnerAudience[] = partnerAudience(
    statement,
    rendered,
    context.plan,
    settings.partners,
    now,
  );
  return {
    press: press?.kind === 'press' ? pressAudience(rows, press, holders) : null,
    pressListProblem,
    partners,
  };
}

async function readRows(
  deps: IngestDeps,
  settings: IngestApprovalSettings,
): Promise<PressListRow[]> {
  const bytes = await getObjectBytes(deps.s3, deps.settings.bucket, settings.pressListKey);
  const rows: PressListRow[] = [];
  for await (const entry of readPressList(Readable.from([bytes])))
    if (entry.kind === 'row') rows.push(entry);
  return rows;
}

/** Tells each approver a revision was approved or rejected (once each). */
export async function sendNotices(
  deps: IngestDeps,
  runner: EffectRunner,
  notice: {
    id: string;
    revision: number;
    kind: Exclude<ApprovalMailKind, 'proof'>;
    subject: string;
    lines: string[];
  },
): Promise<void> {
  const settings = approvalOf(deps);
  for (const approver of settings.approvers) {
    await runEffect(
      runner,
      revisionMarker(notice.id, notice.revision, `${notice.kind}#${approver.email.toLowerCase()}`),
      async () => {
        const raw = await buildNoticeMessage(notice.subject, notice.lines, {
          from: settings.from,
          to: approver,
          id: notice.id,
          revision: notice.revision,
          kind: notice.kind,
          configurationSet: settings.configurationSet,
        });
        return { to: approver.email, messageId: await sendRaw(deps, settings, raw) };
      },
    );
  }
}

/** The approval endpoint with this approver's signed, expiring claim. */
function approvalLink(url: string, secret: string, claims: ApprovalClaims): string {
  return `${url}?t=${encodeURIComponent(createApprovalToken(claims, secret))}`;
}

/** The email as the sample journalist gets it: the raw message, and its text part. */
async function sampleJournalistEmail(email: RenderedEmail, from: string, now: Date) {
  const journalist = { name: SAMPLE_JOURNALIST.name, email: SAMPLE_JOURNALIST.email };
  const journalistEmail = await buildRawMessage(email, journalist, {
    from: fromHeader(email.fromName, from),
    unsubscribeUrl: SAMPLE_UNSUBSCRIBE,
    date: now,
  });
  const journalistText = fillSlots(email.text, {
    greeting: greetingFor(journalist),
    unsubscribeUrl: SAMPLE_UNSUBSCRIBE,
  });
  return { journalistEmail, journalistText };
}
