/** `herald validate <files…> [--json]`: check statements before they go in the bucket. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { checkRenderBudget } from '../core/render/markdown';
import { checkSocialOverrides } from '../core/social';
import { parseStatement } from '../core/statement/parse';
import type { Issue } from '../core/types';
import { describeError, EXIT, formatIssues, UsageError } from './output';

export interface FileVerdict {
  file: string;
  valid: boolean;
  errors: Issue[];
  warnings: Issue[];
}

export async function validateFile(file: string, now: Date): Promise<FileVerdict> {
  const bytes = await readFile(file);
  const result = parseStatement(bytes, { now });
  if (!result.ok) return { file, valid: false, errors: result.errors, warnings: result.warnings };
  // Beyond the format: social overrides too long for their platform, and an email too
  // big for Gmail (estimated without running MJML, so validate stays fast).
  const errors = [
    ...checkSocialOverrides(result.statement),
    ...checkRenderBudget(result.statement),
  ];
  return { file, valid: errors.length === 0, errors, warnings: result.warnings };
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'Check statement files against the statement format; prints every problem with its field path.',
    )
    .argument('<files...>', 'statement JSON files')
    .option('--json', 'print a JSON array, one {file, valid, errors, warnings} per file')
    .option('--now <time>', 'judge embargoes as if it were this ISO 8601 time')
    .action(async (files: string[], options: { json?: boolean; now?: string }) => {
      const now = parseNow(options.now);
      const verdicts: FileVerdict[] = [];
      let unreadable = false;
      for (const file of files) {
        try {
          verdicts.push(await validateFile(file, now));
        } catch (error) {
          unreadable = true;
          const message = `cannot read ${file}: ${describeError(error)}`;
          if (options.json)
            verdicts.push({ file, valid: false, errors: [{ path: '', message }], warnings: [] });
          else process.stderr.write(`herald: ${message}\n`);
        }
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(verdicts, null, 2)}\n`);
      } else {
        for (const v of verdicts) {
          const lines = [
            ...formatIssues(v.file, v.errors),
            ...formatIssues(v.file, v.warnings, 'warning: '),
          ];
          if (v.valid)
            process.stdout.write(
              `${v.file}: valid${v.warnings.length ? ` (${v.warnings.length} warning${v.warnings.length > 1 ? 's' : ''})` : ''}\n`,
            );
          for (const line of lines) process.stdout.write(`${line}\n`);
        }
      }
      process.exitCode = unreadable
        ? EXIT.usage
        : verdicts.every((v) => v.valid)
          ? EXIT.ok
          : EXIT.invalid;
    });
}

export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--now must be an ISO 8601 time such as 2024-02-20T09:00:00Z, not "${value}".`,
    );
  }
  return date;
}
