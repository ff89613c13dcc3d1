/**
 * Environment variables: one schema per function (functions/<name>/env.ts) is the
 * contract between the CDK stack that sets the variables and the entry that reads them.
 *
 * The entry parses its environment once at boot (cold start) with `readEnv`, so a
 * misconfigured function fails at once, naming every bad variable, instead of at the
 * first statement. The stack (lib/) and the local stack build the variables with the
 * same schema's `environmentBuilder`, so a renamed, missing or stale variable is a
 * compile error there, not a deploy-time failure.
 */
import type { $ZodType, input } from 'zod/v4/core';
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

/** What an entry reads its variables from: `process.env` in Lambda, an object locally. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

export class EnvironmentError extends HeraldError {
  override name = 'EnvironmentError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The function's environment is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function readEnv<T>(schema: EnvSchema<T>, env: EnvSource = process.env): T {
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

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type RequiredKeys<T> = Exclude<keyof T, OptionalKeys<T>>;

/**
 * The variables a function's schema reads, as the strings a deployment sets: a key the
 * schema requires is required here, one with a default or `optional` may be left out.
 */
export type EnvironmentVariables<S extends $ZodType> = {
  [K in RequiredKeys<input<S>>]: string;
} & { [K in OptionalKeys<input<S>>]?: string | undefined };

declare const functionBrand: unique symbol;

/**
 * Variables built by a function's builder, branded with the function's name so the CDK
 * construct only takes the environment built for it (a type-only brand: at run time it
 * is a plain record of strings).
 */
export type FunctionEnvironment<Name extends string> = Readonly<Record<string, string>> & {
  readonly [functionBrand]: Name;
};

/**
 * A builder for one function's environment, typed from its schema. Values are usually
 * CloudFormation tokens at synth time, so they are not validated here; the entry
 * validates them at boot. A key the schema does not read is a compile error too, so no
 * variable outlives the code that read it. Entries never call the builder; the env files
 * mark the call pure so esbuild leaves it out of the bundles.
 */
export function environmentBuilder<Name extends string, S extends $ZodType>(
  _name: Name,
  _schema: S,
) {
  return <V extends EnvironmentVariables<S>>(
    variables: V & Record<Exclude<keyof V, keyof EnvironmentVariables<S>>, never>,
  ): FunctionEnvironment<Name> => {
    const set: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables)) {
      if (typeof value === 'string') set[name] = value;
    }
    // The brand exists only in the type system; this is the one place that applies it.
    return set as FunctionEnvironment<Name>;
  };
}
