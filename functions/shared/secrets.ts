/**
 * Secrets (the unsubscribe HMAC key, the website hook key) as a tiny port, so
 * handlers do not care whether the value comes from Secrets Manager, a local
 * file or a test.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HeraldError } from '../../core/errors';

export interface SecretSource {
  get(): Promise<string>;
}

export class SecretUnavailableError extends HeraldError {
  override name = 'SecretUnavailableError';
}

/** Five minutes: a rotated secret is picked up quickly without a Secrets Manager call per message. */
export const DEFAULT_SECRET_TTL_MS = 5 * 60 * 1000;

export interface SecretsManagerSourceOptions {
  ttlMs?: number;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

/**
 * Reads a plain-string secret and caches it for the container's life, refreshed
 * after `ttlMs`. Concurrent callers share one request. If a refresh fails while
 * an older value is cached, the older value is used (an outage should not stop
 * sends); with nothing cached the error propagates.
 */
export function secretsManagerSource(
  client: SecretsManagerClient,
  secretId: string,
  options: SecretsManagerSourceOptions = {},
): SecretSource {
  const ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
  const now = options.now ?? Date.now;
  let cached: { value: string; fetchedAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  async function fetchSecret(): Promise<string> {
    let value: string | undefined;
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      value =
        out.SecretString ??
        (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    } catch (err) {
      if (cached) return cached.value;
      throw new SecretUnavailableError(`Could not read secret ${secretId}.`, { cause: err });
    }
    if (value === undefined || value.length === 0) {
      throw new SecretUnavailableError(`Secret ${secretId} has no value.`);
    }
    cached = { value, fetchedAt: now() };
    return value;
  }

  return {
    get() {
      if (cached && now() - cached.fetchedAt < ttlMs) return Promise.resolve(cached.value);
      if (!inFlight) {
        inFlight = fetchSecret().finally(() => {
          inFlight = null;
        });
      }
      return inFlight;
    },
  };
}

/** A fixed value: handler tests, and website-hook when no hook is configured. */
export function staticSecret(value: string): SecretSource {
  return { get: () => Promise.resolve(value) };
}
