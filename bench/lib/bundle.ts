/**
 * Builds Lambda bundles with the stack's own esbuild settings
 * (HERALD_BUNDLING from lib/constructs/herald-function.ts, translated from
 * NodejsFunction's BundlingOptions to esbuild's API), so bundle sizes and cold
 * starts are those of what `cdk deploy` ships.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  type BuildOptions,
  build,
  type Charset,
  type Format,
  type Loader,
  type Metafile,
} from 'esbuild';
import { HERALD_BUNDLING } from '../../lib/constructs/herald-function';

const SOURCE_MAP: Record<string, BuildOptions['sourcemap']> = {
  default: true,
  external: 'external',
  inline: 'inline',
  both: 'both',
};

/**
 * `esbuildArgs` as build options. Only `--alias` is used (HERALD_BUNDLING); any
 * other flag throws, so the bench cannot silently bundle differently from the stack.
 */
function extraOptions(args: BundlingOptions['esbuildArgs']): BuildOptions {
  const alias: Record<string, string> = {};
  for (const [flag, value] of Object.entries(args ?? {})) {
    if (flag !== '--alias' || !Array.isArray(value)) {
      throw new Error(`bench/lib/bundle.ts does not translate esbuildArgs ${flag} yet`);
    }
    for (const entry of value) {
      const at = entry.indexOf('=');
      alias[entry.slice(0, at)] = entry.slice(at + 1);
    }
  }
  return Object.keys(alias).length > 0 ? { alias } : {};
}

/** NodejsFunction's flags for `bundling` (aws-lambda-nodejs/lib/bundling.ts), as esbuild build options. */
export function esbuildOptionsFor(bundling: BundlingOptions): BuildOptions {
  const external = [
    ...(bundling.externalModules ?? (bundling.bundleAwsSDK ? [] : ['@aws-sdk/*'])),
    ...(bundling.nodeModules ?? []),
  ];
  return {
    bundle: true,
    platform: 'node',
    format: (bundling.format ?? 'cjs') as Format,
    ...(bundling.target ? { target: bundling.target } : {}),
    minify: bundling.minify ?? false,
    sourcemap: (bundling.sourceMap && SOURCE_MAP[bundling.sourceMapMode ?? 'default']) || false,
    sourcesContent: bundling.sourcesContent ?? true,
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.define ? { define: bundling.define } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.loader ? { loader: bundling.loader as Record<string, Loader> } : {}),
    ...(bundling.charset ? { charset: bundling.charset as Charset } : {}),
    external,
    ...extraOptions(bundling.esbuildArgs),
    metafile: true,
    logLevel: 'silent',
  };
}

export const LAMBDA_BUNDLING: BuildOptions = esbuildOptionsFor(HERALD_BUNDLING);

export interface BuiltBundle {
  name: string;
  file: string;
  /** Bytes of index.mjs (what Node reads and parses at init); the .map is reported apart. */
  bytes: number;
  mapBytes: number;
  /** Input bytes per npm package (or "(project)"), largest first: what the bundle is made of. */
  topInputs: Array<{ name: string; bytes: number }>;
}

function packageOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m?.[1] ?? '(project)';
}

function topInputs(meta: Metafile, output: string): Array<{ name: string; bytes: number }> {
  const out = Object.entries(meta.outputs).find(([file]) => file.endsWith(output))?.[1];
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out?.inputs ?? {})) {
    const pkg = packageOf(input);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

export async function bundleLambda(
  name: string,
  entry: string,
  outDir: string,
  overrides: BuildOptions = {},
): Promise<BuiltBundle> {
  const dir = join(outDir, name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  // `overrides.stdin` builds generated source (the import-attribution steps) instead of a file.
  const input = overrides.stdin ? {} : { entryPoints: [entry] };
  const result = await build({ ...LAMBDA_BUNDLING, ...overrides, ...input, outfile: file });
  if (result.metafile) await writeFile(join(dir, 'metafile.json'), JSON.stringify(result.metafile));
  const bytes = (await stat(file)).size;
  const mapBytes = await stat(`${file}.map`).then(
    (s) => s.size,
    () => 0,
  );
  return {
    name,
    file,
    bytes,
    mapBytes,
    topInputs: result.metafile ? topInputs(result.metafile, `${name}/index.mjs`) : [],
  };
}

/** Bench harnesses (not Lambda code): bundled so measured children run plain node, without the tsx loader. */
export async function bundleHarness(
  entry: string,
  outFile: string,
  overrides: BuildOptions = {},
): Promise<string> {
  await build({
    ...overrides,
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // npm packages resolve from node_modules at run time (outFile sits under node_modules/.cache).
    packages: 'external',
    logLevel: 'silent',
  });
  return outFile;
}
