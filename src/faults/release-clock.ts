/**
 * When a fault proxy thread writes its delayed chunks: every flow with a chunk
 * waiting tells this clock its due time, and one wait aims at the earliest of
 * them, to within tens of µs (calibrate's goal is 0.25 ms at p50).
 *
 * One wait for the thread, not one per flow: the last stretch of a wait
 * blocks the thread (a nap, a spin), and with a wait per flow a second flow's
 * due passed during the first one's nap (measured: a tenth of the releases
 * 150 µs late with two connections open).
 *
 * The wait is src/timing/pacer.ts's, with RELEASE_PACING: a coarse timer
 * aimed a millisecond early, then event-loop turns (the thread keeps reading
 * its sockets: a chunk read late starts its own delay late) with short naps,
 * then the final 500 µs spun in 25 µs slices, a turn between them. The spin
 * reads the clock through performance.now(), which allocates less per read
 * than hrtime: a scavenge in this thread lands on a release.
 */
import { performance } from 'node:perf_hooks';
import { monotonicNowUs } from '../timing/clock.js';
import { Pacer, RELEASE_PACING, type PacedWaiter } from '../timing/pacer.js';

/** A flow that has a chunk due. */
export interface DueWaiter {
  onDue(): void;
}

/** hrtime's scale (timing/clock.ts), read through performance.now(), which allocates less per read. */
const ORIGIN_US = monotonicNowUs() - performance.now() * 1000;

/** µs on the monotonic scale of timing/clock.ts, cheap enough to read in a spin. */
export function releaseNowUs(): number {
  return performance.now() * 1000 + ORIGIN_US;
}

export class ReleaseClock {
  private readonly dues = new Map<DueWaiter, number>();
  /** The due time the pending wait was set for; Infinity when none is. */
  private armedForUs = Infinity;
  private readonly pacer: Pacer;

  constructor() {
    const waiter: PacedWaiter = {
      dueUs: () => this.earliest(),
      onDue: (nowUs) => this.fire(nowUs),
      mayNap: () => true,
    };
    this.pacer = new Pacer(waiter, RELEASE_PACING, releaseNowUs);
  }

  /** `waiter.onDue()` at `dueUs` (releaseNowUs's scale); replaces the waiter's earlier due. */
  at(waiter: DueWaiter, dueUs: number): void {
    this.dues.set(waiter, dueUs);
    // The pacer stops by itself when it finds nothing due, so a stopped pacer is armed whatever armedForUs says.
    if (dueUs < this.armedForUs || !this.pacer.waiting) this.arm(dueUs);
  }

  cancel(waiter: DueWaiter): void {
    // The pending wait stays: when it ends with nothing due, it aims at the next due or stops.
    this.dues.delete(waiter);
  }

  has(waiter: DueWaiter): boolean {
    return this.dues.has(waiter);
  }

  private arm(dueUs: number): void {
    this.armedForUs = dueUs;
    if (dueUs === Infinity) this.pacer.cancel();
    else this.pacer.wait();
  }

  /** Every waiter due by now, then a wait for the next. */
  private fire(nowUs: number): void {
    this.armedForUs = Infinity;
    for (const [waiter, dueUs] of this.dues) {
      if (dueUs > nowUs) continue;
      // Deleted first: onDue may ask for its next due at once.
      this.dues.delete(waiter);
      waiter.onDue();
    }
    const next = this.earliest();
    if (next < this.armedForUs || !this.pacer.waiting) this.arm(next);
  }

  private earliest(): number {
    let earliest = Infinity;
    for (const dueUs of this.dues.values()) if (dueUs < earliest) earliest = dueUs;
    return earliest;
  }
}
