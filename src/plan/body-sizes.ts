/**
 * The `--body-size` grammar: one size (`1k`), a uniform range (`100-10k`) or
 * weighted sizes (`100:80,10k:15,1m:5`). Every size a message can have is
 * known here, before the run: a sender builds each size's template once and
 * only chooses among them per message (src/content/body-sizes.ts). A range is
 * therefore drawn over RANGE_STEPS evenly spaced sizes, both ends included,
 * not over every byte count: a template per byte count would cost megabytes
 * of copies per link.
 */
import { parseSizeBytes, type RawNumber } from './units.js';

/** Sizes and their weights (relative, positive), in the order given; a range's sizes ascending with equal weights. */
export interface BodySizeDistribution {
  kind: 'range' | 'weighted';
  sizes: number[];
  weights: number[];
}

/** As the plan holds it: with the run's --seed, from which each message's size is hashed (src/content/body-sizes.ts). */
export interface PlannedBodySizes extends BodySizeDistribution {
  seed: number;
}

/** Whether a --body-size value asks for a distribution (so --seed means something for it). */
export function isDistribution(raw: RawNumber | undefined): boolean {
  return raw !== undefined && /[-:,]/.test(String(raw).trim());
}

/** The largest body salvo sends. */
export const MAX_BODY_SIZE_BYTES = 100 * 1024 * 1024;

/** A range is drawn uniformly over this many evenly spaced sizes (fewer when it spans fewer bytes). */
export const RANGE_STEPS = 16;
/** Weighted sizes: at most this many (each is a template a link keeps copies of). */
export const MAX_WEIGHTED_SIZES = 16;

const GRAMMAR = 'a size (1k), a range (100-10k) or weighted sizes (100:80,10k:15,1m:5)';

/** Either one fixed size, or a distribution; `problem`: the one line saying what is wrong. */
export type ParsedBodySize = { size: number } | { distribution: BodySizeDistribution } | { problem: string };

/** Parses a --body-size value; sizes above `maxBytes` are refused. */
export function parseBodySize(raw: RawNumber, maxBytes: number): ParsedBodySize {
  const text = String(raw).trim();
  const shown = JSON.stringify(String(raw));
  const bad = (why: string): ParsedBodySize => ({ problem: `expected ${GRAMMAR}${why}, got ${shown}` });
  const sizeOf = (token: string): number | null => {
    const bytes = parseSizeBytes(token.trim());
    return bytes !== null && bytes <= maxBytes ? bytes : null;
  };
  if (text.includes(':') || text.includes(',')) return weighted(text, sizeOf, bad);
  if (text.includes('-')) {
    const [from = '', to = '', ...rest] = text.split('-');
    const lo = sizeOf(from);
    const hi = sizeOf(to);
    if (rest.length > 0 || lo === null || hi === null) return bad(sizeLimit(maxBytes));
    if (lo >= hi) return bad(': a range goes from a smaller size to a larger one');
    return { distribution: rangeOf(lo, hi) };
  }
  const bytes = sizeOf(text);
  return bytes === null ? bad(sizeLimit(maxBytes)) : { size: bytes };
}

/** The largest size a distribution (or a fixed size) can send: what the broker's max message size must allow. */
export function largestSize(distribution: BodySizeDistribution): number {
  return Math.max(...distribution.sizes);
}

function sizeLimit(maxBytes: number): string {
  return `, each from 0 to ${maxBytes / 1024 / 1024}MiB (k = KiB, m = MiB)`;
}

function rangeOf(lo: number, hi: number): BodySizeDistribution {
  const steps = Math.min(RANGE_STEPS, hi - lo + 1);
  const sizes = Array.from({ length: steps }, (_, i) => Math.round(lo + ((hi - lo) * i) / (steps - 1)));
  return { kind: 'range', sizes, weights: sizes.map(() => 1) };
}

function weighted(
  text: string,
  sizeOf: (token: string) => number | null,
  bad: (why: string) => ParsedBodySize,
): ParsedBodySize {
  const parts = text.split(',');
  if (parts.length > MAX_WEIGHTED_SIZES) return bad(`: at most ${MAX_WEIGHTED_SIZES} sizes`);
  const sizes: number[] = [];
  const weights: number[] = [];
  for (const part of parts) {
    const [sizeText = '', weightText, ...rest] = part.split(':');
    const size = sizeOf(sizeText);
    if (weightText === undefined || rest.length > 0 || size === null)
      return bad(`: each entry is SIZE:WEIGHT with a size up to the limit, "${part.trim()}" is not`);
    const weight = Number(weightText.trim());
    if (weightText.trim() === '' || !Number.isFinite(weight) || weight <= 0)
      return bad(`: a weight is a positive number, "${weightText.trim()}" is not`);
    if (sizes.includes(size)) return bad(`: size ${sizeText.trim()} given twice`);
    sizes.push(size);
    weights.push(weight);
  }
  if (sizes.length < 2)
    return bad(': weighted sizes need at least two entries (one size alone is just --body-size SIZE)');
  return { distribution: { kind: 'weighted', sizes, weights } };
}

/** As the summary and report show it: `100 B 80%, 10 KiB 15%, 1 MiB 5%`, or a range's ends. */
export function describeBodySizes(distribution: BodySizeDistribution): string {
  const { sizes, weights, kind } = distribution;
  if (kind === 'range')
    return `${formatBytes(sizes[0])} to ${formatBytes(sizes[sizes.length - 1])}, uniform over ${sizes.length} sizes`;
  const total = weights.reduce((a, b) => a + b, 0);
  return sizes.map((s, i) => `${formatBytes(s)} ${((100 * weights[i]) / total).toFixed(0)}%`).join(', ');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
