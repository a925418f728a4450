/**
 * Parsers for the number forms a user types on the command line or in a
 * profile. Each returns the value in the unit its name says, or null when the
 * text is not of that form; callers (plan.ts) turn null into a PlanError that
 * names the option, because only they know which option it was.
 *
 * Suffixes are case-insensitive and follow the meaning each quantity has by
 * convention:
 *   counts and rates  k = 1,000       m = 1,000,000        (20k, 1.5m, 2M)
 *   durations         bare = seconds, ms, s, m = minutes, h (30, 500ms, 5m)
 *   sizes (bytes)     k / kb / kib = 1,024, m / mb / mib = 1,048,576
 * Sizes are binary because body sizes are memory buffers; "kb" is taken as
 * KiB rather than rejected, since no one means 1,000 bytes by it here.
 */

/** What a profile or commander hands over: text, or a number from YAML. */
export type RawNumber = string | number;

const COUNT_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6 };
const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  '': 1000,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};
const SIZE_UNITS_BYTES: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
};

// A plain decimal (no sign, no exponent) and an optional alphabetic suffix.
const NUMBER_WITH_SUFFIX = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

// Decimal text times a unit is not always an exact float (1.1 * 1000 is
// 1100.0000000000002); anything this close to an integer is that integer.
const INTEGER_TOLERANCE = 1e-6;

/** A non-negative integer count: `20000`, `20k`, `1.5m`, `2M`. */
export function parseCount(raw: RawNumber): number | null {
  return toInteger(scaled(raw, COUNT_UNITS));
}

/** A non-negative rate in messages per second, fractions allowed: `0.5`, `20k`. */
export function parseRateHz(raw: RawNumber): number | null {
  return scaled(raw, COUNT_UNITS);
}

/** A duration in whole milliseconds: `30` (seconds), `30s`, `500ms`, `5m`, `1h`. */
export function parseDurationMs(raw: RawNumber): number | null {
  return toInteger(scaled(raw, DURATION_UNITS_MS));
}

/** A size in whole bytes: `100`, `1k` (1,024), `64KiB`, `1m` (1,048,576). */
export function parseSizeBytes(raw: RawNumber): number | null {
  return toInteger(scaled(raw, SIZE_UNITS_BYTES));
}

function scaled(raw: RawNumber, units: Readonly<Record<string, number>>): number | null {
  const match = NUMBER_WITH_SUFFIX.exec(String(raw).trim());
  if (match === null) return null;
  const [, digits = '', suffix = ''] = match;
  const multiplier = units[suffix.toLowerCase()];
  if (multiplier === undefined) return null;
  const value = Number(digits) * multiplier;
  return Number.isFinite(value) ? value : null;
}

function toInteger(value: number | null): number | null {
  if (value === null) return null;
  const rounded = Math.round(value);
  if (Math.abs(value - rounded) > INTEGER_TOLERANCE) return null;
  return Number.isSafeInteger(rounded) ? rounded : null;
}

/** `1000-5000`, `1k-5k`: both ends positive rates. */
export function parseRamp(raw: string): { fromHz: number; toHz: number } | null {
  const match = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(raw);
  if (!match) return null;
  const fromHz = parseRateHz(match[1] ?? '');
  const toHz = parseRateHz(match[2] ?? '');
  return fromHz !== null && toHz !== null && fromHz > 0 && toHz > 0 ? { fromHz, toHz } : null;
}
