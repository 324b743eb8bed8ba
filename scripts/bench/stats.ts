/** Small statistics and formatting helpers of `npm run bench`. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Paired samples A (baseline) and B, taken as A B A B ... */
export interface PairedStats {
  /** Median of A, ms. */
  readonly a: number;
  /** Median of B, ms. */
  readonly b: number;
  /** Ratio of the medians, b / a. */
  readonly ratio: number;
  /** b - a, ms: what B adds. */
  readonly diff: number;
  /** Median of the per-pair ratios B_i / A_i. */
  readonly pairedRatio: number;
  readonly samplesA: readonly number[];
  readonly samplesB: readonly number[];
}

export function pairedStats(samplesA: readonly number[], samplesB: readonly number[]): PairedStats {
  if (samplesA.length !== samplesB.length) throw new Error('paired samples differ in length');
  const a = median(samplesA);
  const b = median(samplesB);
  return {
    a,
    b,
    ratio: b / a,
    diff: b - a,
    pairedRatio: median(samplesA.map((x, i) => samplesB[i] / x)),
    samplesA: samplesA.map((x) => round(x)),
    samplesB: samplesB.map((x) => round(x)),
  };
}

/** Least-squares line y = slope * x + intercept through `points`, with R^2. */
export function linearFit(points: ReadonlyArray<readonly [number, number]>): { slope: number; intercept: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssTot = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  const ssRes = points.reduce((s, [x, y]) => s + (y - (slope * x + intercept)) ** 2, 0);
  return { slope, intercept, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

/** Left-aligned first column, right-aligned others. */
export function table(rows: readonly string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
