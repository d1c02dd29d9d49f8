/**
 * Small helpers shared by the benchmarks: percentiles over samples, number formatting and a
 * plain-text table printer. Benchmarks measure; nothing here asserts.
 * @module
 */

/** p50, p99, max and min of a sample set, plus how many samples were negative. */
export interface Summary {
  count: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  negative: number;
}

/**
 * @param samples The values (not modified).
 * @returns Nearest-rank percentiles; all `NaN` for an empty set.
 */
export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const rank = (p: number): number =>
    n === 0 ? NaN : sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]!;
  let negative = 0;
  for (const v of sorted) if (v < 0) negative++;
  return {
    count: n,
    min: n === 0 ? NaN : sorted[0]!,
    p50: rank(0.5),
    p99: rank(0.99),
    max: n === 0 ? NaN : sorted[n - 1]!,
    negative,
  };
}

/**
 * @param value A number (or `null`/`undefined` for "not measured").
 * @param digits Fraction digits.
 * @returns A compact string with thousands separators.
 */
export function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * Prints rows as an aligned plain-text table (first column left-aligned, others right).
 * @param header Column titles.
 * @param rows Cells, already formatted.
 */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** @returns Epoch milliseconds with sub-millisecond resolution. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
