/**
 * How a function is booted. Each entry (functions/<name>/index.ts) exports
 * `boot<Name>(env, runtime)`, which parses the environment with the function's schema,
 * makes its SDK clients through `runtime.clients` and returns the handler; and
 * `handler = lambdaEntry(boot<Name>)` for Lambda. The local stack calls the same boot
 * functions with its own environment and runtime, so what it runs is what is deployed.
 */
import type { Context } from 'aws-lambda';
import type { EnvSource } from './env';
import { createLogger, type Logger } from './logger';

/**
 * Makes SDK clients. In Lambda it is `new Client(config)`; the local stack adds emulator
 * endpoints, credentials and middleware (in-process SNS/SQS/Scheduler/Secrets Manager,
 * the outbox, the call recorder). The entry says which client and its own settings
 * (e.g. `maxAttempts`); the factory says where it goes.
 */
export interface ClientFactory {
  create<C, Config>(Client: new (config: Config) => C, config: Config): C;
}

/** What an entry gets besides its environment. Everything but `clients` defaults to Lambda's. */
export interface FunctionRuntime {
  clients: ClientFactory;
  /** @default the function's Powertools logger on stdout */
  logger?: Logger;
  /** @default wall time */
  clock?: () => Date;
  /** Waits between retries and for pacing. @default a real timer */
  sleep?: (ms: number) => Promise<void>;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/** The clock every function uses unless the runtime brings its own (the local stack's, a test's). */
export const wallClock = (): Date => new Date();

export const lambdaRuntime: FunctionRuntime = {
  clients: { create: (Client, config) => new Client(config) },
};

/**
 * The Lambda `handler` export. In Lambda (AWS_LAMBDA_FUNCTION_NAME is set) the handler
 * is built right here, while the module is imported: that is the init phase, so the
 * environment is checked and the clients are made once per cold start, and a bad
 * environment fails the init instead of the first event. Anywhere else (the local
 * stack, tests, a bundle loaded by hand) importing an entry reads nothing and cannot
 * fail; the handler is then built on its first call, from `process.env`.
 *
 * Every invocation puts the Lambda context on the logger (Powertools `addContext`: the
 * request id, the function's name and whether this was a cold start on every line).
 */
export function lambdaEntry<E, R>(
  boot: (env: EnvSource, runtime: FunctionRuntime) => (event: E, context?: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  const logger = createLogger();
  const runtime: FunctionRuntime = { ...lambdaRuntime, logger };
  let built = process.env.AWS_LAMBDA_FUNCTION_NAME ? boot(process.env, runtime) : undefined;
  return (event, context) => {
    logger.addContext(context);
    built ??= boot(process.env, runtime);
    return built(event, context);
  };
}
