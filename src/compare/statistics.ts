/**
 * The statistics behind `salvo compare`, pure and deterministic: medians,
 * spread, and the Mann-Whitney U test (two-sided). Mann-Whitney because it
 * asks only that samples be ordered, not normal: per-second rates on a
 * shared machine have long tails, and a handful of runs is all CI affords.
 * It is honest about small samples: 3 runs against 3 can never reach
 * p < 0.05, which is the point (that much noise proves nothing).
 */

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear interpolation between order statistics (type 7, R's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Interquartile range over the median: the noise of one side, as a fraction (0.25 = 25%). */
export function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const middle = median(values);
  if (middle === 0) return Number.NaN;
  return Math.abs((quantile(values, 0.75) - quantile(values, 0.25)) / middle);
}

export interface MannWhitney {
  /** Pairs (baseline, current) in which current is larger, ties counting half. */
  u: number;
  /** Two-sided p-value: the chance of a U this far from n1 n2 / 2 were both sides one distribution. */
  p: number;
  method: 'exact' | 'normal';
}

/**
 * The smallest two-sided p any data can give n1 against n2 (complete
 * separation, no ties): 2 / C(n1 + n2, n1). At or above alpha, the test
 * cannot find any change significant, however large.
 */
export function smallestP(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  let combinations = 1;
  for (let k = 1; k <= n1; k += 1) combinations = (combinations * (n2 + k)) / k;
  return Math.min(1, 2 / combinations);
}

/** Exact distribution up to this many pairs (and no ties); the normal approximation beyond. */
const EXACT_MAX_PAIRS = 2_500;

/** Mann-Whitney U test of `current` against `baseline`; null when a side is empty. */
export function mannWhitney(baseline: readonly number[], current: readonly number[]): MannWhitney | null {
  const n1 = baseline.length;
  const n2 = current.length;
  if (n1 === 0 || n2 === 0) return null;
  const ranked = rank([...baseline, ...current]);
  const currentRankSum = ranked.ranks.slice(n1).reduce((sum, r) => sum + r, 0);
  const u = currentRankSum - (n2 * (n2 + 1)) / 2;
  if (!ranked.tied && n1 * n2 <= EXACT_MAX_PAIRS) return { u, p: exactTwoSided(n1, n2, u), method: 'exact' };
  return { u, p: normalTwoSided(n1, n2, u, ranked.tieTerm), method: 'normal' };
}

interface Ranks {
  ranks: number[];
  tied: boolean;
  /** Sum of t^3 - t over groups of t tied values (the variance correction). */
  tieTerm: number;
}

/** Ranks 1..n in the input's order, ties sharing their mean rank. */
function rank(values: readonly number[]): Ranks {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].value === order[start].value) end += 1;
    const shared = (start + end) / 2 + 1;
    for (let k = start; k <= end; k += 1) ranks[order[k].index] = shared;
    const t = end - start + 1;
    tieTerm += t * t * t - t;
    start = end + 1;
  }
  return { ranks, tied: tieTerm > 0, tieTerm };
}

/**
 * P(U <= u) and P(U >= u) from U's exact null distribution, built by the
 * recurrence on which sample holds the largest value (kept as probabilities,
 * so no count overflows).
 */
function exactTwoSided(n1: number, n2: number, u: number): number {
  const distribution = exactDistribution(n1, n2);
  let below = 0;
  let above = 0;
  for (let k = 0; k < distribution.length; k += 1) {
    if (k <= u) below += distribution[k];
    if (k >= u) above += distribution[k];
  }
  return Math.min(1, 2 * Math.min(below, above));
}

/** P(U = k) for k = 0..n1 n2, U counting pairs in which the second sample (size n2) is larger. */
function exactDistribution(n1: number, n2: number): Float64Array {
  // row[j] holds the distribution for sizes (i, j); i grows one row at a time.
  let previous: Float64Array[] = [];
  for (let i = 0; i <= n1; i += 1) {
    const row: Float64Array[] = [];
    for (let j = 0; j <= n2; j += 1) {
      const d = new Float64Array(i * j + 1);
      if (i === 0 || j === 0) d[0] = 1;
      else {
        // Largest value in the second sample (chance j / (i + j)): it beats all i of the first.
        const fromSecond = row[j - 1];
        const fromFirst = previous[j];
        const w = j / (i + j);
        for (let k = 0; k < fromSecond.length; k += 1) d[k + i] += w * fromSecond[k];
        for (let k = 0; k < fromFirst.length; k += 1) d[k] += (1 - w) * fromFirst[k];
      }
      row.push(d);
    }
    previous = row;
  }
  return previous[n2];
}

function normalTwoSided(n1: number, n2: number, u: number, tieTerm: number): number {
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return 1; // every value equal
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return Math.min(1, erfc(z / Math.SQRT2));
}

/** Complementary error function (Chebyshev fit, fractional error under 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
