/**
 * The verdict for a file Herald will not publish: a copy beside the errors
 * (`rejected/<name>.json` + `rejected/<name>.errors.json`) and one message to
 * ops. The copies are plain overwrites (a redelivery rewrites the same thing);
 * the ops message is claimed in the ledger per upload (key + versionId/eTag).
 */
import { rejectedKeys, uploadName } from '../../core/bucket-layout';
import { formatIssueLines } from '../../core/errors';
import type { Statement } from '../../core/statement/schema';
import type { Issue } from '../../core/types';
import { uploadPk } from '../shared/ledger/client';
import { type EffectRunner, runEffect } from '../shared/ledger/effects';
import { opsSubject } from '../shared/messages';
import { copyObject, putJson } from '../shared/storage';
import type { IngestDeps, IngestOutcome, Upload } from './types';

export async function rejectUpload(
  deps: IngestDeps,
  runner: EffectRunner,
  upload: Upload,
  statement: Pick<Statement, 'id' | 'revision'> | null,
  errors: Issue[],
  warnings: Issue[],
): Promise<IngestOutcome> {
  const { s3, settings, publisher, logger } = deps;
  const name = uploadName(upload.key);
  const { copy: copyKey, errors: errorsKey } = rejectedKeys(upload.key);

  await copyObject(s3, settings.bucket, upload.key, copyKey, { sourceVersionId: upload.versionId });
  await putJson(s3, settings.bucket, errorsKey, {
    file: upload.key,
    errors,
    warnings,
    rejectedAt: deps.clock().toISOString(),
  });

  const sent = await runEffect(
    runner,
    { pk: uploadPk(upload.key), sk: upload.versionTag, effect: 'ops-rejected' },
    async () => {
      const { messageId } = await publisher.publish({
        topic: 'ops',
        subject: opsSubject(`Herald: rejected ${name}`),
        body: rejectionText(upload.key, copyKey, errorsKey, errors, warnings),
      });
      return { messageId };
    },
  );
  logger.warn('Rejected an upload', { key: upload.key, errors, warnings, opsMessage: sent });
  return {
    key: upload.key,
    id: statement?.id ?? null,
    revision: statement?.revision ?? null,
    outcome: 'rejected',
    errors,
    warnings,
    embargoUntil: null,
    released: false,
    liftChange: null,
  };
}

function rejectionText(
  key: string,
  copyKey: string,
  errorsKey: string,
  errors: Issue[],
  warnings: Issue[],
): string {
  const lines = [
    `Herald did not publish ${key}.`,
    '',
    `Fix ${errors.length === 1 ? 'this problem' : `these ${errors.length} problems`} and upload the file again:`,
    formatIssueLines(errors),
  ];
  if (warnings.length > 0) lines.push('', 'Also check:', formatIssueLines(warnings));
  lines.push('', `A copy of the file is at ${copyKey} and this report at ${errorsKey}.`);
  return lines.join('\n');
}
