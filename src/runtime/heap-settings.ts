/**
 * V8 settings for the threads salvo starts. They are process-wide and a
 * worker thread's heap reads them when the thread starts, so the command line
 * sets them once, before any pool, broker or proxy thread exists.
 *
 * No memory reducer: when a heap's allocation slows down, V8 runs full
 * mark-compact collections to give memory back, and a low-rate run (a
 * calibration, a latency test at 80 msg/s) looks like that to every thread
 * all the time. Each collection stalls its thread for 2-5 ms and takes a core
 * from the others on a small host. Measured (2-core VM, calibration runs at
 * 80 msg/s, 22 s): 22 mark-compacts with it, 1-3 without; the baseline's
 * p99.9 9 ms with it, 5 ms without. The cost: a heap is not shrunk while the
 * process idles, and a salvo process lives for one run.
 */
import { setFlagsFromString } from 'node:v8';

export function applyHeapSettings(): void {
  setFlagsFromString('--no-memory-reducer');
}
