/** How the CLI talks to people: sentences on stderr for problems, never stack traces. */
import type { Issue } from '../core/types';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function formatIssues(file: string, issues: Issue[], label = ''): string[] {
  return issues.map((i) => `${file}: ${label}${i.path === '' ? '(file)' : i.path}: ${i.message}`);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return `cannot find ${(error as NodeJS.ErrnoException).path ?? 'the file'}.`;
    if (code === 'EACCES')
      return `permission denied reading ${(error as NodeJS.ErrnoException).path ?? 'the file'}.`;
    if (code === 'EISDIR')
      return `${(error as NodeJS.ErrnoException).path ?? 'the path'} is a folder, not a file.`;
    return error.message;
  }
  return String(error);
}
