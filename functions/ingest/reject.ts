/**
 * The verdict for a file Herald will not publish: a copy beside the errors
 * (`rejected/<name>.json` + `rejected/<name>.errors.json`) and one message to
 * ops. The copies are plain overwrites (a redelivery rewrites the same thing);
 * the ops message is claimed in the ledger per upload (key + versionId/eTag).
 */
import { formatIssueLines } from '../../core/errors';
import type { Issue } from '../../core/types';
import { uploadPk } from '../shared/ledger/client';
import { type EffectRunner, runEffect } from '../shared/ledger/effects';
import { opsSubject } from '../shared/messages';
import { copyObject, putJson } from '../shared/storage';
import type { IngestDeps, Upload } from './types';

export const INCOMING_PREFIX = 'incoming/';

/** `incoming/team/my statement.json` → `team/my statement`. */
export function uploadName(key: string): string {
  return key.slice(INCOMING_PREFIX.length).replace(/\.json$/, '');
}

export async function rejectUpload(
  deps: IngestDeps,
  runner: EffectRunner,
  upload: Upload,
  errors: Issue[],
  warnings: Issue[],
): Promise<void> {
  const { s3, settings, publisher, logger } = deps;
  const name = uploadName(upload.key);
  const copyKey = `rejected/${name}.json`;
  const errorsKey = `rejected/${name}.errors.json`;

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
