/**
 * Local secrets (the unsubscribe HMAC key, the website hook key and the approval link
 * key), generated once into `<stateDir>/secrets.json` (mode 0600) so unsubscribe and
 * approval links keep working across runs. A file from before the approval key gets it
 * added.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStackError } from './errors';

export interface LocalSecrets {
  unsubscribeKey: string;
  webhookSecret: string;
  approvalKey: string;
}

type StoredSecrets = Omit<LocalSecrets, 'approvalKey'> & { approvalKey?: unknown };

function isSecrets(value: unknown): value is StoredSecrets {
  return (
    typeof value === 'object' &&
    value !== null &&
    'unsubscribeKey' in value &&
    'webhookSecret' in value &&
    typeof value.unsubscribeKey === 'string' &&
    typeof value.webhookSecret === 'string' &&
    value.unsubscribeKey.length >= 32 &&
    value.webhookSecret.length >= 32
  );
}

export async function loadOrCreateSecrets(stateDir: string): Promise<LocalSecrets> {
  const path = join(stateDir, 'secrets.json');
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (isSecrets(parsed)) {
      if (typeof parsed.approvalKey === 'string' && parsed.approvalKey.length >= 32) {
        return { ...parsed, approvalKey: parsed.approvalKey };
      }
      const secrets = { ...parsed, approvalKey: randomBytes(32).toString('base64url') };
      await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
      return secrets;
    }
    throw new LocalStackError(
      `${path} is not a valid secrets file; delete it and Herald will create a new one.`,
    );
  } catch (error) {
    if (error instanceof LocalStackError) throw error;
    if (!((error as NodeJS.ErrnoException).code === 'ENOENT')) {
      throw new LocalStackError(
        `${path} cannot be read; delete it and Herald will create a new one.`,
        {
          cause: error,
        },
      );
    }
  }
  const secrets: LocalSecrets = {
    unsubscribeKey: randomBytes(32).toString('base64url'),
    webhookSecret: randomBytes(32).toString('base64url'),
    approvalKey: randomBytes(32).toString('base64url'),
  };
  await mkdir(stateDir, { recursive: true });
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
