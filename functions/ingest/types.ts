/** Types shared by the ingest modules. */
import type { LiftChange } from '../../core/lifecycle/types';
import type { Statement } from '../../core/statement/schema';
import type { Issue, SenderDisplayName } from '../../core/types';
import type { ReleaseDeps, ReleaseSettings } from '../release/release';
import type { ReleaseScheduler } from '../shared/ports';

export interface IngestSettings extends ReleaseSettings {
  /** Zone for an embargo without `timezone` (the config's timezone). */
  defaultTimezone: string;
  /** First part of schedule names. @default 'herald' */
  scheduleNamePrefix?: string;
  /** Which name the press email's From header shows. @default 'organisation' */
  senderDisplayName?: SenderDisplayName;
}

/** Ingest releases statements with no embargo in force itself, so it needs what release needs. */
export interface IngestDeps extends ReleaseDeps {
  scheduler: ReleaseScheduler;
  settings: IngestSettings;
}

export type IngestOutcomeKind =
  | 'published'
  | 'corrected'
  | 'withdrawn'
  | 'awaiting-approval'
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
}

/** One uploaded object, as the S3 event names it. */
export interface Upload {
  key: string;
  versionId: string | undefined;
  /** versionId, else eTag: identifies this upload for the rejected-upload marker. */
  versionTag: string;
}

/** A valid statement file, ready for the lifecycle. */
export interface ValidUpload {
  upload: Upload;
  statement: Statement;
  sha256: string;
  /** The parser's warnings (the lifecycle adds its own). */
  warnings: Issue[];
}
