/**
 * A session's settlements as disposition ranges (first..last), exact and cheap, on both sides.
 * rhea 3.0.5 already writes a pass's settlements as ranges (session.js, Incoming#process,
 * Outgoing#process and write_dispositions), with two faults: it folds a second delivery into a one-delivery range
 * whatever its outcome (so modified(d1) + accept(d2) in one pass goes out as "d1..d2 modified":
 * split-dispositions.ts wraps it to cut the list into runs of equal outcome, at the cost of a
 * slice per run), and a delivery updated twice in a pass (outcome, then settle) goes out twice.
 *
 * This patch replaces Incoming#process with the same pass: the pending updates, in order,
 * become one disposition per run of consecutive delivery ids with the same settled flag and an
 * equivalent outcome (message.are_outcomes_equivalent: only accepted batches), a repeat of the
 * range's last delivery folded in; then rhea's own removal of settled deliveries from the ring
 * and its session flow. Ranges follow delivery ids, not ring slots, so the 2,048-slot ring's
 * wrap does not cut them.
 *
 * The sending side (the broker settling what it sent a consumer: a transaction's discharge
 * settles accepted, rejected and released deliveries in one pass) keeps rhea's Outgoing#process
 * and its order of work (transfers, then the 'accepted'/'settled' events, which may settle more,
 * then the dispositions), but the pending dispositions never reach write_dispositions: for the
 * pass, the session's list is a stand-in whose length is 0 (so rhea writes nothing) and whose
 * push files into the list taken at the start; after the pass that list goes out as exact ranges.
 */
import type { RheaPatch } from './patch.js';
import { framesModule, incomingPrototype, messageModule, outgoingPrototype, specimenEndpoints } from './rhea-lib.js';

interface PendingDelivery {
  id: number;
  settled: boolean;
  state?: unknown;
  link: { is_receiver(): boolean; session: { output(frame: unknown): void } };
}
interface DeliveryRing {
  pop_if(test: (delivery: PendingDelivery) => boolean): number;
}
interface IncomingInternals {
  updated: PendingDelivery[];
  deliveries: DeliveryRing;
  max_transfer_id: number;
  next_transfer_id: number;
  readonly window: number;
  process(this: IncomingInternals, session: { _write_flow(): void }): void;
}
/** What rhea does with an Outgoing's pending dispositions: push (Outgoing#update), read length, hand to write_dispositions. */
interface DispositionQueue {
  readonly length: number;
  push(delivery: PendingDelivery): void;
}
interface OutgoingInternals {
  pending_dispositions: DispositionQueue;
  updated: readonly unknown[];
  process(this: OutgoingInternals): void;
}
interface FramesModule {
  disposition(fields: object): unknown;
}
interface OutcomeComparison {
  are_outcomes_equivalent(a: unknown, b: unknown): boolean;
}

const incoming = incomingPrototype as IncomingInternals;
const outgoing = outgoingPrototype as OutgoingInternals;
const frames = framesModule as FramesModule;
const outcomes = messageModule as OutcomeComparison;

function isSettled(delivery: PendingDelivery): boolean {
  return delivery.settled;
}

function writeRange(first: PendingDelivery, last: PendingDelivery): void {
  const link = first.link;
  link.session.output(
    frames.disposition({
      role: link.is_receiver(),
      first: first.id,
      last: last.id,
      state: first.state,
      settled: first.settled,
    }),
  );
}

/** Whether `next` extends the range first..last: the next id (or last again), same settled flag, equivalent outcome. */
function extendsRange(first: PendingDelivery, last: PendingDelivery, next: PendingDelivery): boolean {
  if (next.id !== last.id + 1 && next !== last) return false;
  return next.settled === first.settled && outcomes.are_outcomes_equivalent(first.state, next.state);
}

/** The pending updates as dispositions: one per run of consecutive ids with one settled flag and outcome. */
export function writeDispositionRanges(updated: readonly PendingDelivery[]): void {
  if (updated.length === 0) return;
  let first = updated[0];
  let last = first;
  for (let i = 1; i < updated.length; i++) {
    const next = updated[i];
    if (extendsRange(first, last, next)) {
      last = next;
      continue;
    }
    writeRange(first, last);
    first = next;
    last = next;
  }
  writeRange(first, last);
}

/** rhea's Incoming#process (session.js, 3.0.5) with exact ranges. */
function process(this: IncomingInternals, session: { _write_flow(): void }): void {
  if (this.updated.length > 0) {
    const updated = this.updated;
    // Emptied first: a write that throws must not leave the same updates to be written again.
    this.updated = [];
    writeDispositionRanges(updated);
  }
  this.deliveries.pop_if(isSettled);
  if (this.max_transfer_id - this.next_transfer_id < this.window / 2) session._write_flow();
}

/**
 * An Outgoing's pending dispositions during rhea's pass: empty to rhea's check at the end of
 * the pass, so its write_dispositions is never called, while a settlement made by an event in
 * the pass is filed in the list taken at the start, to go out with the rest.
 */
class PassQueue implements DispositionQueue {
  readonly length = 0;
  constructor(private readonly taken: PendingDelivery[]) {}
  push(delivery: PendingDelivery): void {
    this.taken.push(delivery);
  }
}

/** Wrap rhea's Outgoing#process so that the pass's settlements go out as exact ranges, after rhea's own work. */
function exactOutgoingProcess(rheaProcess: OutgoingInternals['process']): OutgoingInternals['process'] {
  return function process(this: OutgoingInternals): void {
    const taken = this.pending_dispositions as PendingDelivery[];
    // Nothing settled and no peer update to dispatch (the only place the pass can settle): rhea's pass writes none.
    if (taken.length === 0 && this.updated.length === 0) {
      rheaProcess.call(this);
      return;
    }
    this.pending_dispositions = new PassQueue(taken);
    try {
      rheaProcess.call(this);
    } catch (error) {
      // As rhea leaves them: still pending, for the next pass.
      this.pending_dispositions = taken;
      throw error;
    }
    // Emptied first: a write that throws must not leave the same settlements to be written again.
    this.pending_dispositions = [];
    writeDispositionRanges(taken);
  };
}

let applied = false;

/** Write a session's settlements, both sides, as exact ranges (per thread); replaces split dispositions there. */
export const dispositionRanges: RheaPatch = {
  name: 'disposition ranges',
  targets: () => ({
    'Incoming#process': incoming.process,
    'Outgoing#process': outgoing.process,
    'Outgoing.pending_dispositions': (specimenEndpoints().session as { outgoing: Partial<OutgoingInternals> }).outgoing
      .pending_dispositions,
    'frames.disposition': frames.disposition,
    'message.are_outcomes_equivalent': outcomes.are_outcomes_equivalent,
  }),
  apply(): void {
    if (applied) return;
    incoming.process = process;
    outgoing.process = exactOutgoingProcess(outgoing.process);
    applied = true;
  },
};
