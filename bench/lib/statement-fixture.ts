/**
 * Puts what ingest would have written for the sample statement under a given
 * id (rendered/<id>/<rev>/email.json and envelope.json, and the statement head
 * with that revision in force, which dispatch's and send's fences read), so
 * dispatch and send can be measured without running ingest.
 */
import { renderedKey } from '../../core/bucket-layout';
import { buildPartnerMessage } from '../../core/envelope';
import { headAfter, planRevision } from '../../core/lifecycle';
import { renderStatement } from '../../core/render';
import type { Statement } from '../../core/statement/schema';
import type { Recipient, RenderedStatement } from '../../core/types';
import { storedEmail } from '../../functions/ingest/effects';
import type { IngestSettings } from '../../functions/ingest/types';
import { commitRevision, withStatementLock } from '../../functions/shared/ledger/statements';
import type { PressJob, SendBatch } from '../../functions/shared/messages';
import { type BenchAws, TABLE } from './aws-env';
import type { Sample } from './sample';

export interface RenderedFixture {
  id: string;
  revision: number;
  emailKey: string;
  rendered: RenderedStatement;
}

/**
 * `sender`: the configured sender, as ingest has it (email.json then holds the
 * email prepared for it, as ingest writes it); null: the email alone.
 */
export async function putRenderedStatement(
  aws: BenchAws,
  sample: Sample,
  id: string,
  sender: IngestSettings['sender'] = null,
): Promise<RenderedFixture> {
  const statement = { ...sample.statement, id };
  const rendered = await renderStatement(statement, { embargo: sample.embargo });
  const partner = buildPartnerMessage(statement, rendered, 'statement.published', sample.now);
  const emailKey = renderedKey(id, statement.revision, 'email');
  await aws.put(emailKey, JSON.stringify(storedEmail(rendered.email, sender)));
  await aws.put(renderedKey(id, statement.revision, 'envelope'), partner.body);
  await recordInForce(aws, statement, sample.now);
  return { id, revision: statement.revision, emailKey, rendered };
}

/** The head ingest records when the revision goes ahead, through the same ledger code. */
async function recordInForce(aws: BenchAws, statement: Statement, now: Date): Promise<void> {
  const ledger = { ddb: aws.ddb, tableName: TABLE };
  const { plan } = planRevision(null, statement, { now, defaultTimezone: 'Europe/London' });
  await withStatementLock(
    ledger,
    statement.id,
    {
      owner: 'bench',
      leaseUntil: new Date(Date.now() + 60_000),
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    (lock) =>
      commitRevision(ledger, lock, headAfter(lock.head, statement.id, plan), {
        headline: statement.headline,
        sha256: 'bench',
        now,
      }),
  );
}

/** The press job ingest publishes for the fixture's revision: every journalist on the list. */
export function pressJobOf(fixture: RenderedFixture): PressJob {
  const { id, revision, emailKey } = fixture;
  return { id, revision, type: 'published', emailKey, topics: [], holders: false };
}

/** One batch of the fixture's revision, as dispatch queues it for send. */
export function sendBatchOf(fixture: RenderedFixture, recipients: Recipient[]): SendBatch {
  const { id, revision, emailKey } = fixture;
  return { id, revision, type: 'published', batch: 1, emailKey, recipients };
}
