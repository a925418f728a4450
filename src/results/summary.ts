/** The end-of-run text, in the spirit of Quiver's RESULTS: a pure function of the result. */
import type { LatencyKind } from '../metrics/index.js';
import { formatChaosCounts, formatFaultLine, formatLatenessLine } from './fault-lines.js';
import { FAILS, TRANSACTIONAL_ONLY, TTL_ONLY, type Category, type Verdict } from '../ledger/index.js';
import { defaultedAddressNote, formatTags } from '../plan/index.js';
import { ownPart } from '../plan/shards.js';
import { clockOffsetText, SHARD_COLUMNS, startSkewText } from './shard-cells.js';
import type { FanOut, MergedShards, RunResult, ShardRecord } from './result.js';
import { thresholdLine } from './thresholds.js';
import { backlogLine, sizesLines, slowConsumerNote } from './workload-lines.js';

export const KIND_LABELS: Record<LatencyKind, string> = {
  service: 'service (send -> accepted)',
  corrected: 'corrected (intended -> accepted)',
  sendDelay: 'send delay (intended -> sent)',
  endToEnd: 'end to end (send -> receive)',
  endToEndCrossShard: 'end to end, across shards',
  declare: 'declare (send transaction)',
  commit: 'discharge (send transaction)',
  recvDeclare: 'declare (receive transaction)',
  recvCommit: 'discharge (receive txn)',
  roundTrip: 'round trip (request -> reply)',
};

export function formatSummary(result: RunResult, outputDir: string): string {
  const t = result.totals;
  const lines: string[] = [];
  lines.push('', `RESULTS  run ${result.runId}${result.complete ? '' : '  (INCOMPLETE)'}`, '');
  lines.push(row('Target', result.environment.target));
  const address = defaultedAddressNote(result.plan);
  if (address !== undefined) lines.push(row('Address', address));
  if (result.plan.tags) lines.push(row('Tags', formatTags(result.plan.tags)));
  // Stopped before warm-up ended: "0.0 s measured" and the warm-up's in-doubt count would read as a result.
  const inWarmup = result.interrupted === 'warm-up';
  lines.push(
    row(
      'Duration',
      inWarmup
        ? `interrupted during warm-up (${result.plan.warmupMs / 1000} s): nothing measured`
        : `${t.durationS.toFixed(1)} s ` +
            `measured${result.plan.warmupMs > 0 ? ` (after ${result.plan.warmupMs / 1000} s warm-up)` : ''}`,
    ),
  );
  const acknowledged = result.plan.settle === 'at-least-once' && result.plan.senders > 0;
  // At-least-once, "sent" only says how fast messages went into socket buffers; the broker's accepts are the rate.
  // rpc: a request's outcome is the broker taking it; what the user waits for is its reply (round trip).
  if (acknowledged)
    lines.push(
      row(
        'Rate',
        result.plan.rpc
          ? `${int(t.acceptRate)} requests/s accepted by the broker`
          : `${int(t.acceptRate)} msg/s accepted by the broker`,
      ),
    );
  lines.push(row('Sent', `${int(t.sent)} messages  (${int(t.sendRate)} msg/s${acknowledged ? ' written' : ''})`));
  const refused = t.rejected + t.released + t.modified > 0;
  const outcomes = `rejected ${int(t.rejected)}, released ${int(t.released)}, modified ${int(t.modified)}`;
  lines.push(row('Accepted', `${int(t.accepted)}${refused ? `  (${outcomes})` : ''}`));
  for (const note of transactionNotes(t)) lines.push(row('Txns', note));
  if (result.plan.rpc) lines.push(row('RPC', rpcNote(t)));
  for (const note of paceNotes(result)) lines.push(row('Pace', note));
  lines.push(row('Received', `${int(t.received)} messages  (${int(t.receiveRate)} msg/s)`));
  const slow = slowConsumerNote(result.plan);
  if (slow !== undefined) lines.push(row('Consumers', slow));
  if (result.backlog && (slow !== undefined || result.backlog.atSendEnd > 0))
    lines.push(row('Backlog', backlogLine(result.backlog)));
  const [asked, sent] = sizesLines(result.plan, result.sentBySize ?? []);
  if (asked !== undefined) lines.push(row('Sizes', asked), row('Per size', sent ?? ''));
  if (t.fanOut) lines.push(row('Fan-out', fanOutNote(t.fanOut)));
  if (t.inDoubt > 0 && !inWarmup)
    lines.push(
      row('In doubt', `${int(t.inDoubt)}${t.resent > 0 ? `  (${int(t.resent)} resent after reconnecting)` : ''}`),
    );
  if (t.reconnects > 0) lines.push(row('Reconnects', int(t.reconnects)));
  if (t.foreign > 0) lines.push(row('Foreign', `${int(t.foreign)} messages not sent by this run`));
  if (t.selected !== undefined) lines.push(row('Selected', selectedNote(result)));
  const kinds = Object.keys(result.latency) as LatencyKind[];
  if (kinds.length > 0) {
    lines.push(
      '',
      `Latency (µs)${' '.repeat(22)}${['p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => h.padStart(11)).join('')}`,
    );
    for (const kind of kinds) {
      const s = result.latency[kind]!;
      const label = kind === 'corrected' && result.plan.rpc ? 'corrected (intended -> reply)' : KIND_LABELS[kind];
      lines.push(
        `  ${label.padEnd(32)}${[s.p50, s.p90, s.p99, s.p999, s.max].map((v) => int(v).padStart(11)).join('')}` +
          (kind === 'endToEndCrossShard' ? crossShardBound(result) : ''),
      );
    }
    lines.push(...crossShardNotes(result));
    lines.push(...closedLoopNote(result));
  }
  if (result.verdict)
    lines.push(
      ...verdictTable(
        result.verdict,
        result.shards !== undefined && !result.complete,
        (result.backlog?.undrained ?? 0) > 0,
      ),
    );
  if (result.shard) lines.push('', ...shardNote(result.shard));
  if (result.shards) lines.push('', ...shardTable(result.shards));
  if (result.brokerChaos) lines.push(`  broker chaos (done on purpose): ${formatChaosCounts(result.brokerChaos)}`);
  if (result.faults) lines.push('', `  ${formatFaultLine(result.faults)}`);
  if (result.proxyLateness) lines.push(`  ${formatLatenessLine(result.proxyLateness)}`);
  if (result.checks.length > 0) {
    lines.push('', 'Checks');
    for (const check of result.checks) lines.push(`  ${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  }
  if (result.thresholds && result.thresholds.length > 0) {
    lines.push('', 'Thresholds');
    for (const threshold of result.thresholds) lines.push(`  ${thresholdLine(threshold)}`);
  }
  for (const problem of result.problems) lines.push(`  !  ${problem}`);
  lines.push('', row('Result', `${outputDir}/result.json`), '');
  return lines.join('\n');
}

/** Beside the cross-shard row: how far its figures may be off, from the clock offsets' bounds (merged results). */
function crossShardBound(result: RunResult): string {
  const boundMs = result.shards?.crossShardBoundMs;
  return boundMs === undefined ? '' : `  ±${boundMs.toFixed(2)} ms`;
}

/** A label for a latency kind in a table; the cross-shard row carries its bound (report.html, markdown). */
export function latencyLabel(result: RunResult, kind: LatencyKind): string {
  if (kind === 'corrected' && result.plan.rpc) return 'corrected (intended -> reply)';
  const bound = kind === 'endToEndCrossShard' ? crossShardBound(result).trim() : '';
  return bound === '' ? KIND_LABELS[kind] : `${KIND_LABELS[kind]} (${bound} clock offsets)`;
}

/** Under the latency table of a sharded run: what the cross-shard row is, and its samples below zero. */
export function crossShardNotes(result: RunResult): string[] {
  if (result.latency.endToEndCrossShard === undefined) return [];
  const notes = [
    "  across shards: sent on one shard, received on another; corrected by the shards' clock offsets" +
      (result.shards?.crossShardBoundMs !== undefined ? ', within the ± beside it' : ''),
  ];
  const negative = result.totals.crossShardNegative ?? 0;
  if (negative > 0)
    notes.push(
      `  ${int(negative)} cross-shard sample${negative === 1 ? '' : 's'} came out below zero once corrected: ` +
        'counted, recorded as 0',
    );
  return notes;
}

/**
 * A selector run: what matched, what did not, and what salvo knows of the matching messages that did not come. A
 * broker may stall a selector consumer with them still queued (ActiveMQ Classic, once a 200-message page holds no
 * match) or may have lost them: from the client side the two look the same, so it says so instead of "lost" (the
 * verdict still fails on them: either way the consumer did not get what it was promised).
 */
function selectedNote(result: RunResult): string {
  const t = result.totals;
  const missing = result.verdict?.partial ? null : (result.verdict?.lost ?? null);
  const late =
    missing !== null && missing > 0
      ? `; ${int(missing)} matching not delivered within the drain time-out ` +
        `(${result.plan.drainTimeoutMs / 1000} s): still queued or lost, salvo cannot tell from here`
      : '';
  return (
    `${int(t.selected ?? 0)} matched ${JSON.stringify(result.plan.recvSelector)}  (${int(t.selectorMismatches ?? 0)} ` +
    `mismatches; ${int(t.unselected ?? 0)} not matching, not received, as expected${late})`
  );
}

/**
 * Closed loop, a sender keeps --max-in-flight messages unsettled, so a message's latency is mostly its wait behind
 * the others in salvo's own window (a healthy broker shows a p50 of hundreds of ms at the default 1,000), not the
 * broker's. Said under the table so the figure is not read as the broker's; nothing when the window is one message.
 */
export function closedLoopNote(result: RunResult): string[] {
  const { plan } = result;
  if (plan.rateHz !== null || plan.settle !== 'at-least-once' || plan.senders === 0 || plan.maxInFlight <= 1) return [];
  return [
    `  closed loop: these include time queued in salvo's in-flight window (up to ${int(plan.maxInFlight)} ` +
      'messages per link);',
    "  for the broker's latency, run open loop (--rate N) or with a small --max-in-flight (docs/run.md)",
  ];
}

/**
 * What held the senders back, when the run says: an open-loop generator that
 * left due messages unsent, or (at-least-once) passes that mostly stopped at
 * the in-flight limit rather than for want of the broker's credit.
 */
export function paceNotes(result: RunResult): string[] {
  const t = result.totals;
  const notes: string[] = [];
  if (result.plan.rateHz !== null && t.unsent > 0) {
    // A shard's target is its part's rate, not the whole run's.
    const targetHz = result.shard ? (ownPart(result.plan)?.rateHz ?? result.plan.rateHz) : result.plan.rateHz;
    notes.push(
      `generator fell behind: achieved ${int(t.sendRate)} msg/s of ${int(targetHz)} target, ` +
        `${int(t.unsent)} due messages unsent`,
    );
  }
  if (
    result.plan.settle === 'at-least-once' &&
    t.passesInFlightFull * 2 > t.passes &&
    t.passesInFlightFull > t.passesNoCredit
  ) {
    notes.push(`in-flight limit (${int(result.plan.maxInFlight)} per link) set the pace, not the broker`);
  }
  return notes;
}

/** --tx-size / --recv-tx-size: what the transactions did, one line a side. */
export function transactionNotes(t: RunResult['totals']): string[] {
  const notes: string[] = [];
  if (t.batchesCommitted + t.batchesRolledBack > 0) {
    notes.push(
      `sent: ${int(t.batchesCommitted)} committed (${int(t.committed)} messages), ${int(t.batchesRolledBack)} rolled ` +
        `back (${int(t.rolledBack)} messages)`,
    );
  }
  if (t.recvBatchesCommitted + t.recvBatchesRolledBack > 0) {
    notes.push(
      `received: ${int(t.recvBatchesCommitted)} committed (${int(t.recvCommitted)} messages), ` +
        `${int(t.recvBatchesRolledBack)} rolled back (${int(t.recvRolledBack)} messages)`,
    );
  }
  return notes;
}

/** --pattern rpc: requests and how they were answered, one line; requests = replies + unanswered. */
export function rpcNote(t: RunResult['totals']): string {
  const extra = [
    // Results written before the counter existed have none.
    [t.unanswered ?? 0, 'unanswered'],
    [t.unmatched, 'unmatched'],
    [t.late, 'late'],
    [t.duplicates, 'answered twice'],
  ] as const;
  return `${int(t.requests)} requests, ${int(t.replies)} replies${extra
    .filter(([n]) => n > 0)
    .map(([n, what]) => `, ${int(n)} ${what}`)
    .join('')}`;
}

export const VERDICT_LABELS: Record<Category, string> = {
  lost: 'lost',
  unexpected: 'unexpected',
  duplicated: 'duplicated',
  corrupted: 'corrupted',
  recovered: 'recovered',
  reordered: 'reordered',
  inDoubt: 'in doubt',
  resent: 'resent',
  redelivered: 'redelivered',
  ghost: 'ghost',
  partialBatch: 'partial batch',
  expired: 'expired',
  receivedExpired: 'past ttl',
};

/** `1,000 msg/s published, 8,000 msg/s delivered over 8 subscriptions (1,000 msg/s each)`. */
function fanOutNote(f: FanOut): string {
  return (
    `${int(f.publishRate)} msg/s published, ${int(f.deliverRate)} msg/s delivered over ${f.subscriptions} ` +
    `subscription${f.subscriptions === 1 ? '' : 's'} (${int(f.deliverRatePerSubscription)} msg/s each)`
  );
}

/** --subscriptions: each subscription's own counts, so that a loss on one is not hidden in the sums. */
function subscriptionRows(verdict: Verdict): string[] {
  const subs = verdict.subscriptions;
  if (subs === undefined || subs.length < 2) return [];
  const lines = ['  per subscription (each owed every message; the rows above are their sums):'];
  for (const s of subs) {
    const shown = (n: number | null): string => (n === null ? 'not checked' : int(n));
    const status = s.ok === null ? 'not checked' : s.ok ? 'ok' : 'FAIL';
    lines.push(
      `    subscription ${String(s.subscription + 1).padEnd(4)} received ${shown(s.received).padStart(10)}  ` +
        `lost ${shown(s.lost)}  duplicated ${shown(s.duplicated)}  reordered ${shown(s.reordered)}  ${status}`,
    );
  }
  return lines;
}

/** The ledger's verdict: one row per category, its count (or "not checked"), whether it fails this mode, an example. */
export function verdictTable(verdict: Verdict, shardsMissing = false, undrained = false): string[] {
  if (verdict.partial) return partialVerdictTable(verdict, shardsMissing, undrained);
  const head = verdict.ok === null ? 'NOT CHECKED' : verdict.ok ? 'PASS' : `FAIL (${verdict.failed.join(', ')})`;
  return [
    '',
    `Verdict (${verdict.mode}, every message of the run): ${head}`,
    ...verdictRows(verdict),
    ...subscriptionRows(verdict),
    ...priorityLine(verdict),
  ];
}

/** --msg-priority: fresh messages sent with each priority used (`priorities sent: 0 x 688, 4 x 654, 9 x 658`). */
function priorityLine(verdict: Verdict): string[] {
  const counts = verdict.sentByPriority;
  if (!counts) return [];
  const used = counts.flatMap((n, priority) => (n > 0 ? [`${priority} x ${int(n)}`] : []));
  return [`  priorities sent: ${used.join(', ') || 'none'}`];
}

/**
 * An interrupted run's verdict: what it checked and what it cannot tell. Loss is known only after a drain, so it says
 * so plainly instead of a count, and shows how many promised messages had arrived and how many had not yet.
 */
function partialVerdictTable(verdict: Verdict, shardsMissing: boolean, undrained = false): string[] {
  const wrong = verdict.ok === false ? `FAIL (${verdict.failed.join(', ')})` : 'nothing wrong found so far';
  const checked = (['duplicated', 'unexpected', 'corrupted'] as const).filter((c) => verdict[c] !== null);
  const promised =
    verdict.mode === 'at-most-once' ? 'sent' : verdict.mode === 'transactional' ? 'committed' : 'accepted';
  const why = shardsMissing
    ? 'a shard missing or unfinished'
    : undrained
      ? 'slow consumers: backlog not drained'
      : 'interrupted';
  const lines = ['', `Verdict (${verdict.mode}, every message so far): partial verdict (${why}): ${wrong}`];
  if (checked.length > 0) lines.push(`  checked: ${checked.map((c) => VERDICT_LABELS[c]).join(', ')}`);
  if (verdict.confirmed != null && verdict.unconfirmed != null)
    lines.push(
      `  ${int(verdict.confirmed)} ${promised} and arrived, ${int(verdict.unconfirmed)} unconfirmed ` +
        `(${promised}, ${shardsMissing ? 'not arrived at the shards merged' : undrained ? 'still queued when the drain ended' : 'not arrived when stopped'})`,
    );
  lines.push(
    shardsMissing
      ? "  a partial verdict cannot prove loss: a missing shard's receivers may hold what the others sent"
      : undrained
        ? '  a partial verdict cannot prove loss: the backlog outlasted --drain-timeout, so an unconfirmed message may ' +
          'still be queued'
        : '  a partial verdict cannot prove loss: the drain did not run, so an unconfirmed message may still arrive',
  );
  return [...lines, ...verdictRows(verdict)];
}

function verdictRows(verdict: Verdict): string[] {
  const lines: string[] = [];
  for (const category of Object.keys(VERDICT_LABELS) as Category[]) {
    if (verdict.mode !== 'transactional' && TRANSACTIONAL_ONLY.includes(category)) continue;
    // Results without a ttl (or written before these existed) have no such row.
    if (TTL_ONLY.includes(category) && verdict[category] == null) continue;
    const count = verdict[category] ?? null;
    const role = FAILS[verdict.mode].includes(category) ? 'fails the run' : 'reported';
    const example = verdict.examples[category]?.[0];
    const shown = count === null ? 'not checked' : int(count);
    // duplicated counts messages; beside a broker's count of copies it reads as a mismatch unless both are said.
    const copies =
      category === 'duplicated' && verdict.extraCopies ? `messages, ${extraCopies(verdict.extraCopies)}` : '';
    const e = example && count ? `e.g. ${example.producer} #${example.seq}` : '';
    // A selector run cannot tell a matching message still queued from one lost (selectedNote).
    const selectorLost = category === 'lost' && count && verdict.selection ? 'not delivered: queued or lost' : '';
    const note = [copies, selectorLost, e].filter((part) => part !== '').join('; ');
    const label = VERDICT_LABELS[category].padEnd(12);
    // A label longer than its column takes from the count's, so the columns still line up.
    lines.push(`  ${label}${shown.padStart(24 - label.length)}  ${role.padEnd(14)}${note && `  ${note}`}`.trimEnd());
  }
  return lines;
}

/** `31 extra copies`: copies received beyond each duplicated message's first. */
export function extraCopies(n: number): string {
  return `${int(n)} extra cop${n === 1 ? 'y' : 'ies'}`;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(10)} ${value}`;
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/**
 * A shard's summary says its figures are its part's and leaves the verdict to the merge: its receivers took other
 * shards' messages, so alone it would call them unexpected and its own lost.
 */
export function shardNote(shard: ShardRecord): string[] {
  const part = `Shard ${shard.index} of ${shard.count} (plan ${shard.planHash}): the figures above are this part's only.`;
  if (shard.clock === undefined)
    return [part, `Verdict: left to the merge: \`salvo merge\` over every shard's folder gives the run's one verdict.`];
  return [
    part,
    shard.index === 0
      ? 'Verdict: below, over every shard (their results came over the broker).'
      : "Verdict: left to shard 0, which merged this shard's result (sent over the broker) into the run's one verdict.",
  ];
}

/** A merged run's shards: one row each (its part's rates, how late it started, its reconnects), then the missing. */
export function shardTable(shards: MergedShards): string[] {
  const cells = shards.rows.map((row) => [
    `${row.index}${row.complete ? '' : '*'}`,
    row.host ?? '-',
    int(row.sendRate),
    int(row.acceptRate),
    int(row.receiveRate),
    startSkewText(row),
    clockOffsetText(row),
    int(row.reconnects),
  ]);
  const widths = SHARD_COLUMNS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)) + 2);
  const line = (values: readonly string[]): string =>
    `  ${values.map((v, i) => (i === 1 ? ` ${v.padEnd(widths[i] - 1)}` : v.padStart(widths[i]))).join('')}`;
  const lines = [`Shards (${shards.count}, plan ${shards.planHash})`, line(SHARD_COLUMNS), ...cells.map(line)];
  if (shards.rows.some((row) => !row.complete)) lines.push('  * did not finish its part');
  if (shards.missing.length > 0)
    lines.push(
      `  missing: ${shards.missing.join(', ')}: NOT CHECKED (${int(shards.notChecked)} of their messages received ` +
        'by other shards, not judged)',
    );
  return lines;
}
