/** `herald validate <files…> [--json]`: check statements before they go in the bucket. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type LifecycleHead, simulateUpload } from '../core/lifecycle';
import { checkRenderBudget } from '../core/render/size-budget';
import { checkSocialOverrides } from '../core/social';
import { parseStatement } from '../core/statement/parse';
import type { Statement } from '../core/statement/schema';
import type { Issue } from '../core/types';
import { describeError, EXIT, formatIssues, UsageError } from './output';

export interface FileVerdict {
  file: string;
  valid: boolean;
  errors: Issue[];
  warnings: Issue[];
}

export async function validateFile(
  file: string,
  now: Date,
): Promise<FileVerdict & { statement: Statement | null }> {
  const bytes = await readFile(file);
  const result = parseStatement(bytes, { now });
  if (!result.ok) {
    return {
      file,
      valid: false,
      errors: result.errors,
      warnings: result.warnings,
      statement: null,
    };
  }
  // Beyond the format: social overrides too long for their platform, and an email too
  // big for Gmail (estimated without running MJML, so validate stays fast).
  const errors = [
    ...checkSocialOverrides(result.statement),
    ...checkRenderBudget(result.statement),
  ];
  return {
    file,
    valid: errors.length === 0,
    errors,
    warnings: result.warnings,
    statement: result.statement,
  };
}

/**
 * What Herald would do with the valid files, uploaded in the order given at `now`:
 * each statement id runs through the lifecycle, so a correction validated with its
 * original says whether it keeps or moves the embargo. A correction given without its
 * original gets a note on what can happen.
 */
export function lifecycleWarnings(
  verdicts: ReadonlyArray<{ statement: Statement | null; valid: boolean }>,
  now: Date,
  defaultTimezone = 'Europe/London',
): Issue[][] {
  const heads = new Map<string, LifecycleHead | null>();
  return verdicts.map(({ statement, valid }) => {
    if (!statement || !valid) return [];
    const head = heads.get(statement.id) ?? null;
    if (head === null && statement.revision > 1) {
      return [
        {
          path: 'revision',
          message:
            statement.status === 'withdraw'
              ? `This withdraws revision ${statement.revision - 1} or earlier: every journalist who was sent the statement gets a kill notice, partners get statement.withdrawn, and the website takes it down if it was released.`
              : `This is revision ${statement.revision}: if the earlier revision is still under embargo when you upload it, the correction ${statement.embargo ? `moves the lift to the time it names` : 'keeps that embargo'}; if it has been released, the correction goes out at once. Validate it after the earlier revision's file to see which.`,
        },
      ];
    }
    const simulated = simulateUpload(head, statement, { now, defaultTimezone });
    heads.set(statement.id, simulated.head);
    if (simulated.decision.verdict === 'refuse') {
      return simulated.decision.issues.map((issue) => ({
        path: issue.path,
        message: `after the files before it, Herald would refuse this: ${issue.message}`,
      }));
    }
    return simulated.decision.warnings;
  });
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
      const checked: Array<FileVerdict & { statement: Statement | null }> = [];
      let unreadable = false;
      for (const file of files) {
        try {
          checked.push(await validateFile(file, now));
        } catch (error) {
          unreadable = true;
          const message = `cannot read ${file}: ${describeError(error)}`;
          if (options.json) {
            checked.push({
              file,
              valid: false,
              errors: [{ path: '', message }],
              warnings: [],
              statement: null,
            });
          } else process.stderr.write(`herald: ${message}\n`);
        }
      }
      const lifecycle = lifecycleWarnings(checked, now);
      const verdicts: FileVerdict[] = checked.map(({ statement: _statement, ...v }, i) => ({
        ...v,
        warnings: [...v.warnings, ...(lifecycle[i] ?? [])],
      }));
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
