/**
 * The local stack's bookkeeping: what it saw happen (uploads and their ingest outcomes,
 * messages published, recipients queued for sending, releases, dead letters), kept so
 * `summary()` can say what happened to each statement. Nothing here takes part in the
 * pipeline; the composition (local/composition.ts) reports to it.
 */
import type { S3Event } from 'aws-lambda';
import type { Recipient } from '../core/types';
import type { IngestOutcome } from '../functions/ingest/types';
import type { ReleaseOutcome, SweepOutcome } from '../functions/release/handler';
import { type PressJob, parsePressJob, parseSendBatch } from '../functions/shared/messages';
import type { JsonlWriter } from './jsonl';
import type { Outbox } from './outbox';
import type { DeadLetter } from './queues';
import type { Receivers } from './receivers';
import type { Notification } from './sns-router';
import { buildSummary, revisionKey, type StackSummary, type UploadRecord } from './summary';

export interface StackRecordsOptions {
  stateDir: string;
  jsonl: JsonlWriter;
  /** Where dead letters are appended (`dead-letters.jsonl`). */
  deadLettersPath: string;
  /** Called whenever something observable happened. */
  changed: () => void;
}

export class StackRecords {
  /** Ingest results per S3 event, in arrival order. */
  readonly uploads: UploadRecord[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** Every SNS message published, in order. */
  readonly published: Notification[] = [];
  /** The last S3 event per key, for `redeliver`. */
  readonly lastEvent = new Map<string, S3Event>();
  /** `<id>#<rev>` → lower-case emails queued for sending. */
  private readonly selected = new Map<string, Set<string>>();
  /** `<id>#<rev>` → lower-case emails in send batches that were dead-lettered. */
  private readonly deadLettered = new Map<string, Set<string>>();
  /** `<id>#<rev>` made public. */
  private readonly released = new Set<string>();
  /** `<id>#<rev>` → the press job ingest published for it (whom to select). */
  readonly pressJobs = new Map<string, PressJob>();
  /** `<id>#<rev>` → why its press job was dead-lettered (e.g. the press list is missing). */
  readonly pressFailures = new Map<string, string>();
  /** Statement id → the first press-list problem dispatch reported to ops for it. */
  readonly pressListProblems = new Map<string, string>();
  /** Lower-case email → the journalist as the press list names them (from send batches). */
  readonly journalists = new Map<string, Recipient>();
  /** `<id>#<rev>` → lower-case emails queued for sending. */
  get selectedByRevision(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.selected;
  }
  /** `<id>#<rev>` → lower-case emails whose send batch was dead-lettered. */
  get failedByRevision(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.deadLettered;
  }

  constructor(private readonly options: StackRecordsOptions) {}

  readonly changed = (): void => this.options.changed();

  /** The dead-letter sink of every local queue, topic subscription, schedule and trigger. */
  readonly deadLetter = async (letter: DeadLetter): Promise<void> => {
    this.deadLetters.push(letter);
    if (letter.source === 'queue:send') {
      const batch = sendBatchOf(letter.body);
      if (batch) addTo(this.deadLettered, batch.key, batch.emails);
    }
    if (letter.source === 'queue:press') {
      const job = pressJobOf(letter.body);
      if (job) {
        const problem = this.pressListProblems.get(job.id);
        this.pressFailures.set(
          revisionKey(job.id, job.revision),
          problem
            ? `the press list could not be read: ${problem}`
            : `the press job failed after ${letter.attempts} attempts (see dead-letters.jsonl and ops.jsonl)`,
        );
      }
    }
    await this.options.jsonl.append(this.options.deadLettersPath, letter);
    this.changed();
  };

  /** A new upload seen by the S3 trigger (or a redelivery); its outcome is filled in later. */
  upload(key: string): UploadRecord {
    const upload: UploadRecord = { file: key.slice('incoming/'.length), key };
    this.uploads.push(upload);
    return upload;
  }

  /**
   * A revision that awaited approval was replaced by a newer upload (`supersededAwaiting`):
   * its upload no longer awaits.
   */
  noteSuperseded(outcome: IngestOutcome): void {
    if (outcome.supersededAwaiting === undefined) return;
    for (const upload of this.uploads) {
      const earlier = upload.outcome;
      if (
        earlier?.outcome === 'awaiting-approval' &&
        earlier.id === outcome.id &&
        earlier.revision === outcome.supersededAwaiting
      ) {
        upload.outcome = { ...earlier, outcome: 'superseded' };
      }
    }
  }

  /**
   * Ingest acted on approval decisions: an upload that awaited approval takes the outcome
   * (it went ahead as published/corrected/withdrawn, or was rejected).
   */
  noteDecisions(outcomes: readonly IngestOutcome[]): void {
    for (const outcome of outcomes) {
      if (outcome.outcome === 'ignored' || outcome.outcome === 'awaiting-approval') continue;
      for (const upload of this.uploads) {
        const earlier = upload.outcome;
        if (
          earlier?.outcome === 'awaiting-approval' &&
          earlier.id === outcome.id &&
          earlier.revision === outcome.revision
        ) {
          upload.outcome = { ...outcome, key: earlier.key, warnings: outcome.warnings };
        }
      }
    }
    this.changed();
  }

  notePublished(notification: Notification): void {
    this.published.push(notification);
    // dispatch reports an unreadable press list to ops before it gives up on the job.
    const listFor = /press list problems .* for (\S+)$/.exec(notification.subject ?? '')?.[1];
    if (notification.topic === 'ops' && listFor) {
      const first = /^\s+(?:\(file\)|line \d+): (.+)$/m.exec(notification.body)?.[1];
      if (first) this.pressListProblems.set(listFor, first);
    }
    if (
      notification.topic === 'partners' &&
      notification.attributes.type?.StringValue === 'statement.released'
    ) {
      const statement = envelopeStatement(notification.body);
      if (statement) this.released.add(revisionKey(statement.id, statement.revision));
    }
    this.changed();
  }

  /** A body accepted by the send queue (a SendBatch from dispatch). */
  noteQueuedForSending(body: string): void {
    const batch = sendBatchOf(body);
    if (!batch) return;
    addTo(this.selected, batch.key, batch.emails);
    for (const r of batch.recipients) this.journalists.set(r.email.toLowerCase(), r);
  }

  /** A body accepted by the press queue (a PressJob from ingest). */
  notePressJob(body: string): void {
    const job = pressJobOf(body);
    if (job) this.pressJobs.set(revisionKey(job.id, job.revision), job);
  }

  noteRelease(outcome: ReleaseOutcome | SweepOutcome): void {
    const released = 'type' in outcome ? outcome.released : [outcome];
    for (const r of released) {
      if (r.outcome !== 'released') continue;
      this.released.add(revisionKey(r.id, r.revision));
      this.releasesDone.add(revisionKey(r.id, r.revision));
    }
    this.changed();
  }

  /** `<id>#<rev>` whose release (by the scheduler or the sweep) has finished every step. */
  readonly releasesDone = new Set<string>();

  summary(sources: {
    outbox: Outbox;
    receivers: Receivers;
    partnerNames: readonly string[];
  }): StackSummary {
    const emailed = new Map<string, Set<string>>();
    for (const entry of sources.outbox.entries)
      addTo(emailed, revisionKey(entry.id, entry.revision), [entry.recipient]);
    const partnerMessages = new Map<string, string[]>();
    for (const [name, records] of sources.receivers.partners) {
      partnerMessages.set(
        name,
        records.map((r) => {
          const statement = (r.message as { statement?: { id?: string; revision?: number } } | null)
            ?.statement;
          return revisionKey(statement?.id ?? '', statement?.revision ?? 0);
        }),
      );
    }
    return buildSummary({
      stateDir: this.options.stateDir,
      uploads: this.uploads,
      selected: this.selected,
      deadLettered: this.deadLettered,
      pressJobs: this.pressJobs,
      pressFailures: this.pressFailures,
      websiteReleases: this.told('website'),
      partnerReleases: this.told('partners'),
      releasesDone: this.releasesDone,
      emailed,
      partnerMessages,
      partnerNames: sources.partnerNames,
      released: this.released,
      deadLetters: this.deadLetters.length,
      duplicateEmails: sources.outbox.duplicates().length,
    });
  }

  /** `<id>#<rev>` whose release published statement.released to the website or partners topic. */
  private told(topic: 'website' | 'partners'): Set<string> {
    const told = new Set<string>();
    for (const n of this.published) {
      if (n.topic !== topic) continue;
      const message = topic === 'website' ? websiteMessageOf(n.body) : partnerReleaseOf(n);
      if (message?.type === 'statement.released') {
        told.add(revisionKey(message.id, message.revision));
      }
    }
    return told;
  }
}

function websiteMessageOf(body: string): { type: string; id: string; revision: number } | null {
  try {
    const value = JSON.parse(body) as { type?: unknown; id?: unknown; revision?: unknown };
    return typeof value.type === 'string' &&
      typeof value.id === 'string' &&
      typeof value.revision === 'number'
      ? { type: value.type, id: value.id, revision: value.revision }
      : null;
  } catch {
    // Not JSON: the website hook reports malformed messages itself.
    return null;
  }
}

function partnerReleaseOf(n: Notification): { type: string; id: string; revision: number } | null {
  const type = n.attributes.type?.StringValue;
  const statement = type === undefined ? null : envelopeStatement(n.body);
  return type && statement ? { type, ...statement } : null;
}

function pressJobOf(body: string): PressJob | null {
  try {
    return parsePressJob(body);
  } catch {
    // Not a PressJob: dispatch reports malformed jobs itself.
    return null;
  }
}

function addTo(map: Map<string, Set<string>>, key: string, values: readonly string[]): void {
  const set = map.get(key) ?? new Set<string>();
  for (const v of values) set.add(v.toLowerCase());
  map.set(key, set);
}

function sendBatchOf(
  body: string,
): { key: string; emails: string[]; recipients: Recipient[] } | null {
  try {
    const batch = parseSendBatch(body);
    return {
      key: revisionKey(batch.id, batch.revision),
      emails: batch.recipients.map((r) => r.email),
      recipients: batch.recipients,
    };
  } catch {
    // Not a SendBatch: the send handler reports malformed batches itself.
    return null;
  }
}

function envelopeStatement(body: string): { id: string; revision: number } | null {
  try {
    const envelope = JSON.parse(body) as { statement?: { id?: unknown; revision?: unknown } };
    const { id, revision } = envelope.statement ?? {};
    return typeof id === 'string' && typeof revision === 'number' ? { id, revision } : null;
  } catch {
    // Malformed envelopes are the partners' problem to report, not the summary's.
    return null;
  }
}
