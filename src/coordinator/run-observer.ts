/**
 * What a run shows while and after it runs (the progress line, live
 * metrics, result.json, the summary, report.html) are peers behind one
 * interface: told of the start, handed the same snapshot once a second,
 * and handed the outcome at the end. None of them steers the run.
 */
import type { Aggregator } from '../metrics/index.js';
import type { Plan } from '../plan/index.js';
import type { RunResult } from '../results/result.js';
import type { SalvoError } from '../errors.js';
import type { ProgressTotals } from './drain-policy.js';

export interface RunStart {
  plan: Plan;
  /** The instant every worker started at, monotonic whole µs. */
  runStartUs: number;
  senderWorkers: number;
  receiverWorkers: number;
  /** The ledger is kept: receivers count distinct arrivals (`fresh`). */
  ledger: boolean;
}

/** The merged interval reports, read only: each reader walks histograms only for what it asks. */
export type SeriesView = Pick<
  Aggregator,
  'point' | 'reported' | 'latestComplete' | 'intervalQuantiles' | 'cumulativeQuantiles'
>;

export interface RunSecond {
  /** When the snapshot was taken, monotonic µs. */
  nowUs: number;
  totals: ProgressTotals;
  /** Arrivals as the drain counts them (distinct ones once senders are done, with the ledger). */
  arrived: number;
  series: SeriesView;
  /** Faults the timeline had due by now, by kind; undefined without --faults. */
  faultsSoFar: ReadonlyMap<string, number> | undefined;
}

import type { GatheredResults } from './shard-meeting.js';

export interface RunOutcome {
  result: RunResult;
  hlogs: Record<string, string>;
  /** Set when the run could not do what it was asked: exit code 3 (unreachable / refused) or 130 (signal). */
  failure?: SalvoError;
  /** False when it ended before the start: nothing was measured, so nothing is written. */
  started: boolean;
  /** The figures are not the workload's (the broker ignored the selector): write result.json, print no summary. */
  withholdSummary?: boolean;
  /** Shard 0 of shards that met over the broker: the other shards' results, for the merge. */
  gathered?: GatheredResults;
}

export interface RunEnd {
  outcome: RunOutcome;
  /** The figures once every worker's last report is in; undefined when the run never started. */
  last: RunSecond | undefined;
}

export interface RunObserver {
  started?(start: RunStart): void;
  /** At most once a second while the run is under way, the first right after the start. */
  second?(snapshot: RunSecond): void;
  /** Once, with the outcome; the run's own clean-up waits for it. */
  finished?(end: RunEnd): void | Promise<void>;
}
