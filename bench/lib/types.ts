/** What a metric group returns; run.ts adds targets and status from its single table. */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** The floor a ratio is divided by (same run, same machine), in `floorUnit`. */
  floor?: number;
  floorUnit?: string;
  note?: string;
}

export interface BenchContext {
  quick: boolean;
  /** Repository root (where node_modules is). */
  root: string;
  /** Scratch folder for generated fixtures; removed at the end of the run. */
  tmpDir: string;
  /** Build output inside node_modules/.cache so bundles resolve externals like Lambda's runtime would. */
  buildDir: string;
  log(message: string): void;
}

export interface MetricGroup {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<Measurement[]>;
}
