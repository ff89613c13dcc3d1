/** Types shared by the ingest modules. */
import type { SESClient } from '@aws-sdk/client-ses';
import type { PartnerFilter } from '../../core/approval/audience';
import type { ApprovalConfig } from '../../core/config/schema';
import type { LiftChange } from '../../core/lifecycle/types';
import type { Statement } from '../../core/statement/schema';
import type { Issue, SenderDisplayName } from '../../core/types';
import type { ReleaseDeps, ReleaseSettings } from '../release/release';
import type { ReleaseScheduler } from '../shared/ports';
import type { SecretSource } from '../shared/secrets';

export interface IngestSettings extends ReleaseSettings {
  /** Zone for an embargo without `timezone` (the config's timezone). */
  defaultTimezone: string;
  /** First part of schedule names. @default 'herald' */
  scheduleNamePrefix?: string;
  /** Which name the press email's From header shows. @default 'organisation' */
  senderDisplayName?: SenderDisplayName;
  /** Set when approval is configured: nothing goes out until approvers approved. */
  approval?: IngestApprovalSettings | null;
  /**
   * The sender send uses (`sender.from`, the configuration set). When set, email.json
   * also holds the email prepared for it (core/mime StoredMime), so a cold send
   * does not encode the bodies or build the headers itself.
   */
  sender?: { from: string; configurationSet?: string | undefined } | null;
}

/** What ingest needs to hold revisions for approval and send the proofs. */
export interface IngestApprovalSettings extends ApprovalConfig {
  /** The approval endpoint (a Function URL); the links add `?t=<token>`. */
  url: string;
  /** The HMAC key approval links are signed with. */
  secret: SecretSource;
  /** The configured sender (`sender.from`): proofs and notices come from it. */
  from: string;
  /** SES configuration set for bounce and complaint events. */
  configurationSet?: string | undefined;
  /** The press list, read to count the journalists a proof describes. */
  pressListKey: string;
  /** The partner subscriptions and their filter policies, to say who gets what. */
  partners: PartnerFilter[];
}

/** Ingest releases statements with no embargo in force itself, so it needs what release needs. */
export interface IngestDeps extends ReleaseDeps {
  scheduler: ReleaseScheduler;
  settings: IngestSettings;
  /** Sends proofs and approval notices (only with approval configured). */
  ses?: SESClient | undefined;
}

export type IngestOutcomeKind =
  | 'published'
  | 'corrected'
  | 'withdrawn'
  | 'awaiting-approval'
  /** A revision that awaited approval and was replaced by a newer one before a decision. */
  | 'superseded'
  | 'duplicate'
  | 'rejected'
  /** Not a statement upload (outside incoming/, not .json, or gone before we read it). */
  | 'ignored';

export interface IngestOutcome {
  key: string;
  id: string | null;
  revision: number | null;
  outcome: IngestOutcomeKind;
  errors: Issue[];
  warnings: Issue[];
  /** The embargo lift in force (ISO UTC), or null. */
  embargoUntil: string | null;
  /** Whether this invocation made (or found) the revision public. */
  released: boolean;
  /** Set when a correction moved the lift. */
  liftChange: LiftChange | null;
  /** An older revision that was awaiting approval and this one replaced. */
  supersededAwaiting?: number | undefined;
}

/** One uploaded object, as the S3 event names it. */
export interface Upload {
  key: string;
  versionId: string | undefined;
  /** versionId, else eTag: identifies this upload for the rejected-upload marker. */
  versionTag: string;
  /** Who put the file in the bucket (the S3 event's `userIdentity.principalId`). */
  uploadedBy?: string | undefined;
}

/** A valid statement file, ready for the lifecycle. */
export interface ValidUpload {
  upload: Upload;
  statement: Statement;
  sha256: string;
  /** The parser's warnings (the lifecycle adds its own). */
  warnings: Issue[];
}
