/** Small statistics helpers: the bench reports medians and percentiles, never means of noisy samples. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest-rank on the sorted samples: no interpolation, so p50 of [a, b] is a real sample.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs `fn` `n` times and returns each duration in milliseconds. */
export async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

export function summarise(samples: readonly number[]): string {
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  return `n=${samples.length} p50=${fmt(percentile(samples, 50))} p95=${fmt(percentile(samples, 95))} min=${fmt(Math.min(...samples))} max=${fmt(Math.max(...samples))}`;
}
