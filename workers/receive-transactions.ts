/**
 * A consuming link's transactions (--recv-tx-size N), the guide's TxRecv:
 * prefetch 0; declare, then flow N; accept each delivery under the
 * transaction; after N (or when messages stop coming for a moment) discharge:
 * commit, or roll back when the batch's seeded fate says so, and the broker
 * delivers those messages again.
 *
 * A message counts as received only once its transaction committed: until
 * then its arrival waits in typed arrays (producer index, sequence number,
 * flags, latency), and a rollback drops it, so the redelivered copy is the
 * one the ledger records, never a duplicate. Deliveries that come while no
 * transaction is open (credit left over from a batch ended early) wait for
 * the next one.
 */
import type { Connection, Delivery, Receiver } from 'rhea';
import { creditOf } from '../src/amqp/rhea-patches/index.js';
import { TransactionController, type Transaction } from '../src/amqp/transactions/index.js';
import { linkHash, rollsBack } from '../src/ledger/index.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import type { TxPlan } from '../src/plan/index.js';
import { failureOf } from './link-errors.js';
import type { WorkerRuntime } from './worker-runtime.js';

/** A batch that got some messages and then none for this long is discharged short (the senders stopped). */
const IDLE_DISCHARGE_US = 100_000;
const IDLE_CHECK_MS = 20;

/** What the link does with one of this run's arrivals once its transaction committed. */
export interface CommittedArrival {
  /** `inDoubt`: the commit went unanswered with its connection (receiver-ledger.ts recordInDoubt). */
  (producerIndex: number, seq: number, flags: number, endToEndUs: number, warmup: boolean, inDoubt: boolean): void;
}

export const ARRIVAL_REDELIVERED = 1;
export const ARRIVAL_CORRUPTED = 2;
/** Not this run's message (or a damaged sequence number): only the transaction's count includes it. */
export const ARRIVAL_OTHER = 4;

export class ReceiveTransactions {
  private controller: TransactionController | undefined;
  private txn: Transaction | undefined;
  private state: 'idle' | 'declaring' | 'open' | 'discharging' = 'idle';
  private batch = 0;
  /** Deliveries taken in the open transaction. */
  private taken = 0;
  private readonly producerIndex: Int32Array;
  private readonly seqs: Float64Array;
  private readonly flags: Uint8Array;
  private readonly endToEndUs: Float64Array;
  private readonly warmups: Uint8Array;
  /** Arrived while no transaction was open (rare: credit left from a batch ended early), with a copy of the bytes. */
  private readonly waiting: { delivery: Delivery; message: Buffer }[] = [];
  private lastArrivalUs = 0;
  private generation = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private running = false;
  private receiver!: Receiver;
  private readonly link: number;
  /** The fate of the batch being discharged. */
  private dischargeRollback = false;

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly plan: TxPlan,
    linkName: string,
    /** Reads a taken delivery's stamps and hands them to keep(). */
    private readonly read: (message: Buffer, nowUs: number) => void,
    private readonly committed: CommittedArrival,
  ) {
    const n = plan.size;
    this.producerIndex = new Int32Array(n);
    this.seqs = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.endToEndUs = new Float64Array(n);
    this.warmups = new Uint8Array(n);
    this.link = linkHash(linkName.slice(linkName.lastIndexOf('/') + 1));
  }

  async attach(connection: Connection, receiver: Receiver): Promise<void> {
    this.receiver = receiver;
    this.controller = await TransactionController.attach(connection);
    if (this.running) this.begin();
  }

  /** The run started: the first transaction, and the watch for a batch that stopped filling. */
  start(): void {
    this.running = true;
    this.idleTimer ??= setInterval(() => this.checkIdle(), IDLE_CHECK_MS);
    if (this.state === 'idle') this.begin();
  }

  stop(): void {
    this.running = false;
    clearInterval(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** A delivery of this link: taken under the open transaction, or held for the next. */
  onDelivery(delivery: Delivery, message: Buffer): void {
    this.lastArrivalUs = monotonicNowUs();
    if (this.state !== 'open') {
      this.waiting.push({ delivery, message: Buffer.from(message) });
      return;
    }
    this.take(delivery, message);
  }

  /** Called by `read` for each delivery taken: what to record if the transaction commits. */
  keep(producerIndex: number, seq: number, flags: number, endToEndUs: number, warmup: boolean): void {
    const i = this.taken - 1;
    this.producerIndex[i] = producerIndex;
    this.seqs[i] = seq;
    this.flags[i] = flags;
    this.endToEndUs[i] = endToEndUs;
    this.warmups[i] = warmup ? 1 : 0;
  }

  /** The connection went: the broker rolled the open transaction back, and will deliver its messages again. */
  connectionLost(): void {
    this.generation++;
    if (this.state === 'open' && this.taken > 0) this.rolledBack();
    // A commit sent but unanswered: most likely done; a copy delivered again is absorbed, not a duplicate.
    if (this.state === 'discharging' && !this.dischargeRollback) this.commit(true);
    else if (this.state === 'discharging') this.rolledBack();
    this.taken = 0;
    this.state = 'idle';
    this.txn = undefined;
    this.waiting.length = 0;
  }

  private take(delivery: Delivery, message: Buffer): void {
    (this.txn as Transaction).accept(delivery);
    this.taken++;
    this.read(message, this.lastArrivalUs);
    if (this.taken >= this.plan.size) this.discharge();
  }

  private begin(): void {
    if (!this.running || this.controller === undefined) return;
    this.state = 'declaring';
    const generation = this.generation;
    const startUs = monotonicNowUs();
    this.controller.declare().then(
      (txn) => {
        if (generation !== this.generation || this.runtime.closed) return;
        this.runtime.recorder.record('recvDeclare', monotonicNowUs() - startUs, this.inWarmup());
        this.txn = txn;
        this.state = 'open';
        this.taken = 0;
        // Credit for N in all: what is still outstanding from a batch ended early, and what waits, count.
        const outstanding = creditOf(this.receiver);
        const want = this.plan.size - outstanding - this.waiting.length;
        if (want > 0) this.receiver.add_credit(want);
        for (const held of this.waiting.splice(0, this.plan.size)) {
          if (this.state !== 'open') this.waiting.push(held);
          else this.take(held.delivery, held.message);
        }
      },
      (error: unknown) => this.failed(generation, error),
    );
  }

  private checkIdle(): void {
    if (this.state === 'open' && this.taken > 0 && monotonicNowUs() - this.lastArrivalUs > IDLE_DISCHARGE_US)
      this.discharge();
  }

  private discharge(): void {
    this.state = 'discharging';
    const generation = this.generation;
    const rollback = rollsBack(this.plan, this.link, this.batch++);
    this.dischargeRollback = rollback;
    const startUs = monotonicNowUs();
    const txn = this.txn as Transaction;
    (rollback ? txn.rollback() : txn.commit()).then(
      () => {
        if (generation !== this.generation || this.runtime.closed) return;
        this.runtime.recorder.record('recvCommit', monotonicNowUs() - startUs, this.inWarmup());
        if (rollback) this.rolledBack();
        else this.commit();
        this.state = 'idle';
        this.txn = undefined;
        this.begin();
      },
      (error: unknown) => this.failed(generation, error),
    );
  }

  private commit(inDoubt = false): void {
    const recorder = this.runtime.recorder;
    for (let i = 0; i < this.taken; i++) {
      if ((this.flags[i] & ARRIVAL_OTHER) !== 0) continue;
      const warmup = this.warmups[i] === 1;
      recorder.count('recvCommitted', warmup);
      this.committed(this.producerIndex[i], this.seqs[i], this.flags[i], this.endToEndUs[i], warmup, inDoubt);
    }
    recorder.count('recvBatchesCommitted', this.inWarmup());
    this.taken = 0;
  }

  private rolledBack(): void {
    const recorder = this.runtime.recorder;
    // Messages by their own warm-up (as `received` is), batches by the clock.
    for (let i = 0; i < this.taken; i++)
      if ((this.flags[i] & ARRIVAL_OTHER) === 0) recorder.count('recvRolledBack', this.warmups[i] === 1);
    recorder.count('recvBatchesRolledBack', this.inWarmup());
    this.taken = 0;
  }

  /** Batch counts and their round trips are warm-up by the clock (messages by their own stamps). */
  private inWarmup(): boolean {
    const window = this.runtime.window;
    return window === undefined || monotonicNowUs() < window.warmupEndUs;
  }

  private failed(generation: number, error: unknown): void {
    if (generation !== this.generation || this.runtime.closed) return;
    this.runtime.fail(failureOf(error));
  }
}
