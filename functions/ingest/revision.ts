/**
 * The side effects of one accepted statement revision, in order, each behind
 * its ledger marker (`fx#<rev>#<name>`), so a retried or redelivered event
 * resumes where the last attempt stopped and repeats nothing that finished.
 */
import { createHash } from 'node:crypto';
import { buildPartnerMessage } from '../../core/envelope';
import { formatIssueLines } from '../../core/errors';
import { renderStatement } from '../../core/render';
import { escapeHtml } from '../../core/render/email';
import { fillSlots, type SlotValues } from '../../core/render/slots';
import type { Statement } from '../../core/statement/schema';
import type { EmbargoInfo, Issue, PartnerMessageType, RenderedEmail } from '../../core/types';
import { releaseRevision } from '../release/handler';
import { effectSk, statementPk } from '../shared/ledger/client';
import {
  type EffectRun,
  type EffectRunner,
  queryEffects,
  runEffect,
} from '../shared/ledger/effects';
import {
  opsSubject,
  type PressJob,
  type PressJobType,
  type ReleaseRequest,
  renderedPrefix,
} from '../shared/messages';
import { type RenderedBundle, readBundle, renderedKey } from '../shared/rendered';
import { putJson, putObject } from '../shared/storage';
import type { IngestDeps, Upload } from './types';

export interface AcceptedRevision {
  upload: Upload;
  statement: Statement;
  /** The embargo in force when processed (null if none, lifted, or already public). */
  embargo: EmbargoInfo | null;
  warnings: Issue[];
  sha256: string;
  /** A redelivery finishing an interrupted attempt. */
  resumed: boolean;
  /** The email rendered (with `embargo`) by ingest's size check, reused so MJML runs once. */
  email?: RenderedEmail | undefined;
}

export interface RevisionResult {
  released: boolean;
  /** The lift instant in force for this revision, or null. */
  embargoUntil: string | null;
}

export function pressJobType(statement: Pick<Statement, 'status' | 'revision'>): PressJobType {
  if (statement.status === 'withdraw') return 'withdrawn';
  return statement.revision > 1 ? 'corrected' : 'published';
}

/**
 * Deterministic per statement revision, so a withdrawal or correction can
 * delete it without looking it up: `[0-9a-zA-Z-_.]`, ≤ 64 characters. The hash
 * keeps names unique when a long id is cut to 40 characters.
 */
export function scheduleName(id: string, revision: number, prefix = 'herald'): string {
  const safePrefix = prefix.replace(/[^0-9a-zA-Z_.-]/g, '').slice(0, 10) || 'herald';
  const hash = createHash('sha256').update(`${id}#${revision}`).digest('hex').slice(0, 6);
  return `${safePrefix}-${id.slice(0, 40)}-r${revision}-${hash}`;
}

/** What the preview email.html / email.txt show in the per-recipient slots. */
const PREVIEW_SLOTS: SlotValues = {
  greeting: 'Dear Jane Smith,',
  unsubscribeUrl: 'https://unsubscribe.example.invalid/preview',
};

export async function runRevision(
  deps: IngestDeps,
  runner: EffectRunner,
  accepted: AcceptedRevision,
): Promise<RevisionResult> {
  const { statement } = accepted;
  const { id, revision } = statement;
  const { publisher, scheduler, settings, s3 } = deps;
  const pk = statementPk(id);
  const marker = (name: string) => ({ pk, sk: effectSk(revision, name), effect: name, revision });
  const type = pressJobType(statement);
  const channels = {
    press: statement.channels?.press ?? true,
    partners: statement.channels?.partners ?? true,
  };
  const report: string[] = [];
  const note = (run: EffectRun, line: string) =>
    report.push(run === 'already-done' ? `${line} (done earlier)` : line);

  // Cancel earlier revisions' releases before anything else: a withdrawal must win the race.
  if (type !== 'published') {
    const run = await runEffect(runner, marker('unschedule'), async () => {
      const earlier = (await queryEffects(runner.ledger, pk)).filter(
        (e) => e.effect === 'schedule' && e.revision !== undefined && e.revision < revision,
      );
      for (const e of earlier) {
        await scheduler.delete(scheduleName(id, e.revision ?? 0, settings.scheduleNamePrefix));
      }
      return { cancelled: earlier.length };
    });
    note(run, 'Earlier revisions: pending releases cancelled');
  }

  let bundle: RenderedBundle | null = null;
  const rendered = await runEffect(runner, marker('render'), async () => {
    bundle = await renderAndStore(deps, accepted);
    return { prefix: renderedPrefix(id, revision) };
  });
  const ready: RenderedBundle = bundle ?? (await readBundle(s3, settings.bucket, id, revision));
  note(rendered, `Rendered: s3://${settings.bucket}/${renderedPrefix(id, revision)}`);

  if (channels.press) {
    const job: PressJob = { id, revision, type, emailKey: renderedKey(id, revision, 'email') };
    const run = await runEffect(runner, marker('press'), async () => {
      const { messageId } = await publisher.publish({ topic: 'press', body: JSON.stringify(job) });
      return { messageId };
    });
    note(run, `Press email (${type}): queued for the press list`);
  } else {
    report.push('Press email: off for this statement (channels.press is false)');
  }

  const partnerType: PartnerMessageType = `statement.${type}`;
  if (channels.partners) {
    const run = await runEffect(runner, marker('partners'), async () => {
      const message = buildPartnerMessage(
        ready.statement,
        ready.rendered,
        partnerType,
        deps.clock(),
      );
      const { messageId } = await publisher.publish({
        topic: 'partners',
        body: message.body,
        attributes: message.attributes,
      });
      return { messageId };
    });
    note(run, `Partners: ${partnerType} sent`);
  } else {
    report.push('Partners: off for this statement (channels.partners is false)');
  }

  const embargo = ready.rendered.embargo;
  const inForce = embargo !== null && Date.parse(embargo.until) > deps.clock().getTime();
  let released = false;
  if (statement.status === 'withdraw') {
    report.push('Website: not told (a withdrawn statement is never released)');
  } else if (inForce) {
    const name = scheduleName(id, revision, settings.scheduleNamePrefix);
    const request: ReleaseRequest = { id, revision };
    const run = await runEffect(runner, marker('schedule'), async () => {
      await scheduler.create({ name, at: embargo.until, payload: JSON.stringify(request) });
      return { scheduleName: name, at: embargo.until };
    });
    note(run, `Embargoed until ${embargo.display}: release scheduled (${name})`);
  } else {
    const outcome = await releaseRevision(deps, runner, { id, revision }, 'ingest');
    released = outcome.outcome === 'released' || outcome.reason === 'already-released';
    report.push(
      outcome.outcome === 'released'
        ? `No embargo in force: released at once (partners statement.released: ${outcome.partners ? 'sent' : 'off'}; website: ${outcome.website ? 'rebuild requested' : 'off'})`
        : `No embargo in force, but the release was skipped (${outcome.reason})`,
    );
  }

  const summary = await runEffect(runner, marker('ops-summary'), async () => {
    const { messageId } = await publisher.publish({
      topic: 'ops',
      subject: opsSubject(`Herald: ${type} ${id} r${revision}`),
      body: summaryText(accepted, type, report),
    });
    return { messageId };
  });
  deps.logger.info('Statement revision processed', { type, report, opsSummary: summary });

  return { released, embargoUntil: inForce ? embargo.until : null };
}

async function renderAndStore(
  deps: IngestDeps,
  accepted: AcceptedRevision,
): Promise<RenderedBundle> {
  const { statement } = accepted;
  const { id, revision } = statement;
  const { s3, settings } = deps;
  const now = deps.clock();
  const rendered = await renderStatement(statement, {
    embargo: accepted.embargo,
    email: accepted.email,
  });
  const envelope = buildPartnerMessage(
    statement,
    rendered,
    `statement.${pressJobType(statement)}`,
    now,
  );
  const bundle: RenderedBundle = {
    statement,
    rendered,
    sha256: accepted.sha256,
    renderedAt: now.toISOString(),
  };
  const key = (file: Parameters<typeof renderedKey>[2]) => renderedKey(id, revision, file);
  await putJson(s3, settings.bucket, key('email'), rendered.email);
  await putObject(
    s3,
    settings.bucket,
    key('html'),
    fillSlots(rendered.email.html, PREVIEW_SLOTS, escapeHtml),
    'text/html; charset=utf-8',
  );
  await putObject(
    s3,
    settings.bucket,
    key('text'),
    fillSlots(rendered.email.text, PREVIEW_SLOTS),
    'text/plain; charset=utf-8',
  );
  await putJson(s3, settings.bucket, key('social'), rendered.social);
  await putJson(s3, settings.bucket, key('envelope'), envelope.message);
  // Last: release and resumed runs read this one.
  await putJson(s3, settings.bucket, key('bundle'), bundle);
  return bundle;
}

function summaryText(accepted: AcceptedRevision, type: PressJobType, report: string[]): string {
  const { statement, upload } = accepted;
  const lines = [
    `${statement.id} revision ${statement.revision} (${type}): ${statement.headline}`,
    `From: ${upload.key}`,
    ...(accepted.resumed
      ? ['(Finished after an interrupted attempt; steps marked "done earlier" were not repeated.)']
      : []),
    '',
    ...report,
  ];
  if (accepted.warnings.length > 0)
    lines.push('', 'Warnings:', formatIssueLines(accepted.warnings));
  return lines.join('\n');
}
