/**
 * Named error classes. Code that can fail on a person's input returns results
 * with Issues instead of throwing; these are for the few places that must throw
 * (loading the config at startup, programming mistakes) so callers can tell
 * them apart with `instanceof` and logs show a meaningful `name`.
 */
import type { Issue } from './types';

export class HeraldError extends Error {
  override name = 'HeraldError';
}

/** herald.config.json is missing, unreadable or invalid. `issues` lists every problem. */
export class ConfigError extends HeraldError {
  override name = 'ConfigError';
  readonly issues: Issue[];

  constructor(issues: Issue[], source = 'herald.config.json', options?: ErrorOptions) {
    super(`Cannot use ${source}:\n${formatIssueLines(issues)}`, options);
    this.issues = issues;
  }
}

/** `path: message` lines, `(file)` for problems with the whole file. */
export function formatIssueLines(issues: readonly Issue[]): string {
  return issues.map((i) => `  ${i.path === '' ? '(file)' : i.path}: ${i.message}`).join('\n');
}
