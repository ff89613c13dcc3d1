/**
 * Every Herald Lambda with the same defaults, set once (style anchor: powertools'
 * FunctionWithLogGroup): newest Node.js runtime, ARM, X-Ray, an explicit log group
 * with retention, a role that may write only to that log group, Powertools env,
 * source maps, and one esbuild configuration.
 *
 * Bundle format: ESM (`index.mjs`). The handlers are ESM TypeScript (the package is
 * `"type": "module"`), so ESM keeps top-level await available to them; the banner
 * gives bundled CommonJS dependencies a real `require` for Node built-ins.
 *
 * mjml 5 under esbuild (checked with mjml 5.4.1, esbuild 0.28.2): it bundles and
 * renders inside the bundle output as ESM and as CJS. Only ingest imports the
 * renderer; test/cdk/bundling.test.ts asserts (from the esbuild metafile) that the
 * send bundle contains no mjml module at all.
 *
 * Code that never runs is left out of the bundles (ingest went from 8.5 MB to
 * 2.8 MB, docs/performance.md):
 * - `typescript` (3.5 MB) is external. mjml-core → htmlnano → cosmiconfig
 *   `require`s it lazily, only to read a `.ts` config file, which Herald never
 *   has. In an ESM bundle a lazy `require` of an external stays lazy.
 * - undici and encoding-sniffer (with whatwg-encoding, 1.5 MB) are aliased to
 *   an empty module (UNREACHABLE_PACKAGES). cheerio (used by mjml-core and
 *   juice) imports them at its top level for `fromURL` and `loadBuffer`, its
 *   network and byte-decoding entry points, which MJML never calls. Marking
 *   them external instead would fail at load in Lambda, where they are absent.
 * - htmlnano, cssnano and js-beautify stay: mjml-core `require`s them at its
 *   top level and runs them only with `minify`/`beautify`, which core/render
 *   leaves off; a change there must not turn into a crash in Lambda.
 * - zod's 64 locales (264 KB) stay out because classic zod is imported as a
 *   namespace (`import * as z from 'zod'`) and its classes by name from
 *   `zod/v4/core`: `import { z }` or `z.core.X` at run time keeps them all.
 * NodejsFunction takes no esbuild plugins, so these are `externalModules` and
 * `--alias` esbuildArgs. The alias target is an absolute path: bundling runs
 * with the local esbuild (a devDependency), never in Docker.
 * test/cdk/bundling.test.ts renders every example statement through the real
 * ingest bundle and compares the email with the unbundled render.
 */
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionEnvironment } from '../../functions/shared/env';
import { acknowledge, wildcardLiteral } from './nag';

/** The Lambda entries under functions/<name>/index.ts. */
export type HeraldFunctionName =
  | 'ingest'
  | 'dispatch'
  | 'send'
  | 'feedback'
  | 'unsubscribe'
  | 'release'
  | 'website-hook'
  | 'approval';

/** The newest Node.js runtime aws-cdk-lib 2.276 knows (cdk-nag L1 checks for it). */
export const HERALD_RUNTIME = Runtime.NODEJS_24_X;

/** esbuild target matching HERALD_RUNTIME. */
export const HERALD_ESBUILD_TARGET = 'node24';

/** Project root: the folder holding package.json and package-lock.json. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Context flag (`-c herald:metafile=true`): write esbuild's metafile next to each
 * bundle to see what went into it. Off by default: it would ship ~1 MB per zip.
 */
export const METAFILE_CONTEXT_KEY = 'herald:metafile';

/** The empty module that stands in for UNREACHABLE_PACKAGES. */
export const UNREACHABLE_STUB = fileURLToPath(
  new URL('./bundle-stubs/unreachable.cjs', import.meta.url),
);

/** Packages a bundled dependency imports but Herald never calls (see the module comment). */
export const UNREACHABLE_PACKAGES: readonly string[] = ['undici', 'encoding-sniffer'];

/** Shared esbuild options; exported so tests can bundle other entries the same way. */
export const HERALD_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: HERALD_ESBUILD_TARGET,
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  // Source maps without sources keep the zip small; stack traces still map to file:line.
  sourcesContent: false,
  // Bundle the SDK clients we pinned and tested rather than whatever the runtime ships.
  bundleAwsSDK: true,
  mainFields: ['module', 'main'],
  // Required lazily, for `.ts` config files only. Replaces the default externals (none, as
  // bundleAwsSDK is true).
  externalModules: ['typescript'],
  esbuildArgs: { '--alias': UNREACHABLE_PACKAGES.map((name) => `${name}=${UNREACHABLE_STUB}`) },
  banner:
    "import { createRequire as __heraldCreateRequire } from 'node:module'; const require = __heraldCreateRequire(import.meta.url);",
};

export interface HeraldFunctionProps<Name extends HeraldFunctionName = HeraldFunctionName> {
  /** Which handler: bundles `functions/<name>/index.ts` and its `handler` export. */
  readonly name: Name;

  /**
   * Environment variables on top of the Powertools and Node defaults, built with the
   * function's own builder (functions/<name>/env.ts), so they match what its entry reads.
   * @default - none
   */
  readonly environment?: FunctionEnvironment<NoInfer<Name>>;

  /**
   * How long one invocation may run.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Memory (and with it CPU) in MB.
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * How long CloudWatch keeps this function's logs.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;

  /**
   * Powertools log level.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export class HeraldFunction<
  Name extends HeraldFunctionName = HeraldFunctionName,
> extends NodejsFunction {
  /** The execution role (a sibling construct, since it must exist before the function). */
  readonly executionRole: IRole;
  /** The function's log group. */
  readonly logs: LogGroup;

  constructor(scope: Construct, id: string, props: HeraldFunctionProps<Name>) {
    // Created before super() so the function can be given them; hence siblings, not children.
    const logs = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      // Logs describe deliveries already recorded in the ledger; they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: logs to this group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Herald ${props.name} function`,
    });
    logs.grantWrite(role);

    super(scope, id, {
      entry: fileURLToPath(new URL(`../../functions/${props.name}/index.ts`, import.meta.url)),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: fileURLToPath(new URL('../../package-lock.json', import.meta.url)),
      runtime: HERALD_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup: logs,
      role,
      description: `Herald ${props.name}`,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'herald',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        ...HERALD_BUNDLING,
        metafile: [true, 'true'].includes(scope.node.tryGetContext(METAFILE_CONTEXT_KEY)),
      },
    });
    this.executionRole = role;
    this.logs = logs;

    acknowledge(
      role,
      [wildcardLiteral('*')],
      'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.',
    );
  }
}
