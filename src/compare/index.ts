// salvo compare: results in, a judgement per metric out. load.ts alone reads
// files; every other stage is pure and passes plain values.
export {
  compare,
  describeWorkload,
  samplesNeeded,
  type CompareOptions,
  type Comparison,
  type NotGated,
  type NotGatedCause,
} from './compare.js';
export {
  COMPARE_SCHEMA,
  formatJson,
  formatMarkdown,
  formatTerminal,
  headline,
  notGatedReason,
  notGatedText,
  thresholdText,
} from './format.js';
export { renderCompareHtml, why } from './html.js';
export { DEFAULT_ALPHA, judgeMetric, type Judgement, type Row } from './judge.js';
export { parseHlog, type HlogLine } from './hlog-read.js';
export { expandGlob, loadSide, resultFiles } from './load.js';
export { metricName, parseMetricName, type Metric } from './metrics.js';
export {
  basisFor,
  figuresFor,
  headlineRate,
  perSecond,
  runFigure,
  type Basis,
  type IntervalPercentiles,
  type MetricFigures,
  type RunData,
} from './samples.js';
export { mannWhitney, median, quantile, relativeSpread, smallestP, type MannWhitney } from './statistics.js';
export { DEFAULT_THRESHOLDS, parseThreshold, parseThresholds, ThresholdError, type Threshold } from './thresholds.js';
export {
  CompareInputError,
  requireSameWorkload,
  usableResult,
  WORKLOAD_FIELDS,
  type SourcedResult,
} from './validate.js';
