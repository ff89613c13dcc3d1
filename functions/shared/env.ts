/**
 * Environment variables, parsed once at cold start with a schema so a
 * misconfigured function fails at once, naming every bad variable, instead of
 * at the first statement.
 */
import { HeraldError } from '../../core/errors';

/** A zod schema, classic (`zod`) or mini (`zod/mini`, used by the send bundle). */
export interface EnvSchema<T> {
  safeParse(data: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> };
      };
}

export class EnvironmentError extends HeraldError {
  override name = 'EnvironmentError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The function's environment is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function readEnv<T>(
  schema: EnvSchema<T>,
  env: Record<string, string | undefined> = process.env,
): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(environment)';
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    return value === undefined || value === ''
      ? `${name} is missing (${issue.message})`
      : `${name} is not valid: ${issue.message}`;
  });
  throw new EnvironmentError(problems);
}
