/** Types shared by the ingest modules. */
import type { Issue } from '../../core/types';
import type { ReleaseDeps, ReleaseSettings } from '../release/handler';
import type { ReleaseScheduler } from '../shared/ports';

export interface IngestSettings extends ReleaseSettings {
  /** Zone for an embargo without `timezone` (the config's timezone). */
  defaultTimezone: string;
  /** First part of schedule names. @default 'herald' */
  scheduleNamePrefix?: string;
}

/** Ingest releases statements with no embargo in force in process, so it needs what release needs. */
export interface IngestDeps extends ReleaseDeps {
  scheduler: ReleaseScheduler;
  settings: IngestSettings;
}

export type IngestOutcomeKind =
  | 'published'
  | 'corrected'
  | 'withdrawn'
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
}

/** One uploaded object, as the S3 event names it. */
export interface Upload {
  key: string;
  versionId: string | undefined;
  /** versionId, else eTag: identifies this upload for the rejected-upload marker. */
  versionTag: string;
}
