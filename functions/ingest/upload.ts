/**
 * One S3 record: reads and parses the uploaded file (an invalid one is rejected
 * with a report beside it and one ops message), then hands a valid statement
 * to accept.ts, where the lifecycle decides what it does.
 */
import type { S3EventRecord } from 'aws-lambda';
import { isStatementUpload } from '../../core/bucket-layout';
import { checkSocialOverrides } from '../../core/social';
import { parseStatement } from '../../core/statement/parse';
import { MAX_STATEMENT_BYTES } from '../../core/statement/primitives';
import type { Issue } from '../../core/types';
import type { EffectRunner } from '../shared/ledger/effects';
import { withStatement } from '../shared/logger';
import {
  decodeS3Key,
  getObjectBytes,
  ObjectNotFoundError,
  ObjectTooLargeError,
} from '../shared/storage';
import { acceptStatement } from './accept';
import { rejectUpload } from './reject';
import type { IngestDeps, IngestOutcome, Upload } from './types';

export async function ingestRecord(
  deps: IngestDeps,
  runner: EffectRunner,
  record: S3EventRecord,
): Promise<IngestOutcome> {
  const { object } = record.s3;
  const key = decodeS3Key(object.key);
  const upload: Upload = {
    key,
    versionId: object.versionId || undefined,
    versionTag: object.versionId || object.eTag || object.sequencer || 'unversioned',
    uploadedBy: record.userIdentity?.principalId || undefined,
  };
  if (!isStatementUpload(key)) {
    deps.logger.info('Not a statement upload (outside incoming/ or not .json); ignoring', { key });
    return ignored(key);
  }

  let bytes: Uint8Array;
  try {
    bytes = await getObjectBytes(deps.s3, deps.settings.bucket, key, {
      versionId: upload.versionId,
      maxBytes: MAX_STATEMENT_BYTES,
    });
  } catch (err) {
    if (err instanceof ObjectTooLargeError) {
      const errors: Issue[] = [
        {
          path: '',
          message: `The file is ${Math.ceil(err.size / 1024)} KB; a statement file must be 256 KB or smaller. Shorten the body or notes, or move long material to a linked page.`,
        },
      ];
      return rejectUpload(deps, runner, upload, null, errors, []);
    }
    if (err instanceof ObjectNotFoundError) {
      deps.logger.warn('The uploaded object is gone; nothing to do', {
        key,
        versionId: upload.versionId,
      });
      return ignored(key);
    }
    throw err;
  }

  const parsed = parseStatement(bytes, {
    now: deps.clock(),
    defaultTimezone: deps.settings.defaultTimezone,
  });
  if (!parsed.ok) return rejectUpload(deps, runner, upload, null, parsed.errors, parsed.warnings);
  const { statement, sha256 } = parsed;
  const socialErrors = checkSocialOverrides(statement);
  if (socialErrors.length > 0)
    return rejectUpload(deps, runner, upload, statement, socialErrors, parsed.warnings);

  return withStatement(deps.logger, { statementId: statement.id }, () =>
    acceptStatement(deps, runner, { upload, statement, sha256, warnings: parsed.warnings }),
  );
}

export function ignored(key: string): IngestOutcome {
  return {
    key,
    id: null,
    revision: null,
    outcome: 'ignored',
    errors: [],
    warnings: [],
    embargoUntil: null,
    released: false,
    liftChange: null,
  };
}
