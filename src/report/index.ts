// Reports: a RunResult as a self-contained HTML page, Markdown for CI job
// summaries, or HdrHistogram's percentile distribution text. Reads results only.
export {
  distributionOf,
  distributionOfHistogram,
  inverseTail,
  TICKS_PER_HALF_DISTANCE,
  type Distribution,
  type PercentileRow,
} from './distribution.js';
export { formatHgrm } from './hgrm.js';
export { renderHtml, pageData } from './html.js';
export { loadResult, type LoadedResult } from './load.js';
export { formatMarkdown } from './markdown.js';
export { distributionFor, faultsOf, kindsOf, statusOf, type FaultMark, type RunStatus } from './model.js';
export { writeReport, REPORT_FILE } from './write.js';
