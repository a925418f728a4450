/**
 * A producer's transactions (--tx-size N): one open at a time per link, on a
 * coordinator link of the link's own connection. A batch is the sequence
 * numbers batchStart(b)..batchStart(b)+N-1 (src/ledger/batches.ts): declare,
 * send them (each transfer's tag marked with the transaction), wait for every
 * outcome, then discharge: commit, or roll back when the batch's seeded fate
 * says so. Only then does the ledger learn the batch's fate, and only then is
 * a committed message's service time recorded (send -> commit accepted).
 *
 * Per message this only stores two times in typed arrays indexed by the
 * position in the batch and marks a tag; the promises are per batch.
 *
 * A connection lost with the transaction open rolls it back (the broker
 * does, by the spec): the batch is rolled back, not lost, and with reconnect
 * on a batch meant to commit goes again, whole, in a new transaction with the
 * same numbers. Lost while its commit was unanswered, the batch is in doubt.
 */
import type { Connection } from 'rhea';
import { TransactionController, type Transaction } from '../src/amqp/transactions/index.js';
import { batchOf, batchStart, linkHash, rollsBack, type SenderLedger } from '../src/ledger/index.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import type { TxPlan } from '../src/plan/index.js';
import { failureOf } from './link-errors.js';
import type { WorkerRuntime } from './worker-runtime.js';

export type TxState = 'idle' | 'declaring' | 'open' | 'discharging';

export class SendTransactions {
  state: TxState = 'idle';
  /** First and last sequence number of the batch being sent (valid unless idle). */
  first = 0;
  end = 0;
  /**
   * First number this transaction sends: the batch's first, unless an earlier part of the batch was rolled back with a
   * lost connection.
   */
  private from = 0;
  private controller: TransactionController | undefined;
  private txn: Transaction | undefined;
  private readonly sentUs: Float64Array;
  private readonly intendedUs: Float64Array;
  /** Bumped by a lost connection: an answer for an earlier transaction is ignored. */
  private generation = 0;
  private readonly link: number;
  private rollback = false;

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly plan: TxPlan,
    producer: string,
    private readonly ledger: SenderLedger | null,
    /** Sequence numbers up to this are warm-up (-1: warm-up still on, every one is). */
    private readonly measuredAfter: () => number,
    /** Called when a declare or discharge has its answer: the link may go on. */
    private readonly wake: () => void,
  ) {
    this.sentUs = new Float64Array(plan.size);
    this.intendedUs = new Float64Array(plan.size);
    // Without the run id, so the same seed rolls back the same batches in every run.
    this.link = linkHash(producer.slice(producer.lastIndexOf('/') + 1));
  }

  /** A coordinator link on the producer's connection (again after each reconnect). */
  async attach(connection: Connection): Promise<void> {
    this.controller = await TransactionController.attach(connection);
  }

  /** Declares the transaction of the batch that holds `nextSeq`. */
  begin(nextSeq: number): void {
    const batch = batchOf(nextSeq, this.plan.size);
    this.first = batchStart(batch, this.plan.size);
    this.end = this.first + this.plan.size - 1;
    this.from = nextSeq;
    this.rollback = rollsBack(this.plan, this.link, batch);
    this.state = 'declaring';
    const generation = this.generation;
    const startUs = monotonicNowUs();
    const warmup = this.isWarmup(nextSeq);
    (this.controller as TransactionController).declare().then(
      (txn) => {
        if (generation !== this.generation || this.runtime.closed) return;
        this.runtime.recorder.record('declare', monotonicNowUs() - startUs, warmup);
        this.txn = txn;
        this.state = 'open';
        this.wake();
      },
      (error: unknown) => this.failed(generation, error),
    );
  }

  /**
   * Before each transfer of the batch (fresh or resent): the tag carries the transaction, the times are kept for the
   * commit.
   */
  sending(seq: number, tag: Buffer, sentUs: number, intendedUs: number): void {
    (this.txn as Transaction).mark(tag);
    const i = seq - this.first;
    this.sentUs[i] = sentUs;
    this.intendedUs[i] = intendedUs;
  }

  /** Every transfer of `first..last` has its outcome: commit or roll back. */
  discharge(last: number, corrected: boolean): void {
    this.state = 'discharging';
    const generation = this.generation;
    const startUs = monotonicNowUs();
    const rollback = this.rollback;
    const txn = this.txn as Transaction;
    (rollback ? txn.rollback() : txn.commit()).then(
      () => {
        if (generation !== this.generation || this.runtime.closed) return;
        const nowUs = monotonicNowUs();
        // Declared but never used (the run stopped first): ended, not a batch.
        if (last < this.from) return this.ended();
        this.runtime.recorder.record('commit', nowUs - startUs, this.isWarmup(this.from));
        if (rollback) this.rolledBack(last);
        else this.committed(last, nowUs, corrected);
        this.ended();
      },
      (error: unknown) => {
        if (generation !== this.generation || this.runtime.closed) return;
        // A commit the broker refused with amqp:transaction:rollback is a rollback; anything else ends the run.
        if (!rollback && (error as { condition?: string }).condition === 'amqp:transaction:rollback') {
          this.rolledBack(last);
          this.ended();
          return;
        }
        this.failed(generation, error);
      },
    );
  }

  /**
   * The connection went. Returns the sequence numbers to send again (a
   * batch meant to commit, with reconnect on), with their intended times.
   */
  connectionLost(last: number, resend: (seq: number, intendedUs: number) => void): number {
    const state = this.state;
    this.generation++;
    this.state = 'idle';
    this.txn = undefined;
    if (state === 'idle' || state === 'declaring' || last < this.from) return 0;
    if (state === 'discharging' && !this.rollback) {
      // The commit may or may not have happened: neither committed nor rolled back.
      for (let seq = this.from; seq <= last; seq++) this.ledger?.lostTrack(seq);
      this.runtime.recorder.countMany('inDoubt', last - this.from + 1, this.isWarmup(this.from));
      return last - this.from + 1;
    }
    this.rolledBack(last);
    if (this.rollback) return 0;
    // The whole batch goes again from its first number, in a new transaction.
    for (let seq = this.from; seq <= last; seq++) resend(seq, this.intendedUs[seq - this.first]);
    return 0;
  }

  /** The run ends with the transaction open: closing the connection rolls it back. */
  abandon(last: number): void {
    this.connectionLost(last, () => undefined);
  }

  private committed(last: number, nowUs: number, corrected: boolean): void {
    const recorder = this.runtime.recorder;
    const n = last - this.from + 1;
    this.ledger?.batchCommitted(this.from, last);
    for (let seq = this.from; seq <= last; seq++) {
      const warmup = this.isWarmup(seq);
      recorder.count('committed', warmup);
      if (!this.runtime.assignment.measure) continue;
      recorder.record('service', nowUs - this.sentUs[seq - this.first], warmup);
      if (corrected) recorder.record('corrected', nowUs - this.intendedUs[seq - this.first], warmup);
    }
    recorder.count('batchesCommitted', this.isWarmup(this.from));
    // The drain waits for what was committed, not for what was accepted provisionally.
    this.runtime.progress.add('accepted', n);
  }

  private rolledBack(last: number): void {
    const recorder = this.runtime.recorder;
    this.ledger?.batchRolledBack(this.from, last);
    for (let seq = this.from; seq <= last; seq++) recorder.count('rolledBack', this.isWarmup(seq));
    recorder.count('batchesRolledBack', this.isWarmup(this.from));
  }

  private ended(): void {
    this.state = 'idle';
    this.txn = undefined;
    this.wake();
  }

  private isWarmup(seq: number): boolean {
    const after = this.measuredAfter();
    return after < 0 || seq <= after;
  }

  private failed(generation: number, error: unknown): void {
    // A transaction of a connection already lost fails by itself: the loss was handled.
    if (generation !== this.generation || this.runtime.closed) return;
    this.runtime.fail(failureOf(error));
  }
}
