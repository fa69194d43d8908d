/** Number formatting for reports: short, unambiguous, locale-independent. */

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB'] as const;

/**
 * A byte count in the largest decimal unit (powers of 1000, as file managers and GitHub
 * show sizes) that keeps it at 1 or more: 1,234,567 → { value: 1.234567, unit: 'MB' }.
 * The report and the terminal round it differently, so they share only this ladder.
 */
export function scaleBytes(bytes: number): { value: number; unit: (typeof BYTE_UNITS)[number] } {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return { value, unit: BYTE_UNITS[unit]! };
}

/** 1,234,567 → "1.23 MB": three significant digits from 1 KB up; "—" when there is no size. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const { value, unit } = scaleBytes(bytes);
  return unit === 'B' ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${unit}`;
}

/** Relative change as a signed percentage: "+12.5%", "−3.0%", "±0%". */
export function formatPercentChange(now: number | null | undefined, before: number | null | undefined): string {
  if (now === null || now === undefined || before === null || before === undefined || before === 0) return '—';
  const pct = ((now - before) / before) * 100;
  if (Math.abs(pct) < 0.05) return '±0%';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** Byte difference with sign and percentage: "+1.20 MB (+5.0%)". */
export function formatBytesDelta(now: number | null | undefined, before: number | null | undefined): string {
  if (now === null || now === undefined || before === null || before === undefined) return '—';
  const diff = now - before;
  if (diff === 0) return '±0 B';
  const sign = diff > 0 ? '+' : '−';
  return `${sign}${formatBytes(Math.abs(diff))} (${formatPercentChange(now, before)})`;
}

/** Small errors in scientific notation with 2 significant digits: 3.1e-5. Zero is "0". */
export function formatError(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : '∞';
  return Math.abs(x) >= 0.01 && Math.abs(x) < 1000 ? x.toPrecision(2) : x.toExponential(1);
}

/** dB with one decimal; null means infinite (identical outputs). */
export function formatDb(db: number | null | undefined, exact = false): string {
  if (db === null || db === undefined) return exact ? '∞' : '—';
  if (!Number.isFinite(db)) return db > 0 ? '∞' : '−∞';
  return `${db.toFixed(1)} dB`;
}

/** Signed difference of two dB values: "+0.4 dB". */
export function formatDbDelta(now: number | null | undefined, before: number | null | undefined): string {
  if (now === null || now === undefined || before === null || before === undefined) return '—';
  const d = now - before;
  if (Math.abs(d) < 0.05) return '±0 dB';
  return `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} dB`;
}

/** A fraction in [0, 1] as a percentage: "99.2%". */
export function formatFraction(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(x === 1 ? 0 : 1)}%`;
}

export function formatSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}
