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

/**
 * Young generation: each thread's new space is two semi-spaces, and V8 grows them to 16 MiB each (32 MiB a thread)
 * under a steady allocation rate, which every salvo thread has. Six threads (coordinator, embedded broker, two
 * senders, two receivers) held 192 MiB of new space in a 400-link run. 8 MiB halves that for every thread started
 * after this is set (the coordinator's own heap was configured before it runs).
 */
const MAX_SEMI_SPACE_MB = 8;
/**
 * Old generation: V8 lets a heap grow by a factor it picks from the collector's speed (up to several times its live
 * size) before the next full collection; a thread whose live data is 15-20 MiB held 60-120 MiB, mostly garbage
 * (heap snapshots of the embedded broker at 85 MiB used held 19 MiB live). Growing by this percentage instead keeps
 * the garbage near the live size.
 */
const HEAP_GROWING_PERCENT = 50;

export function applyHeapSettings(): void {
  setFlagsFromString('--no-memory-reducer');
  setFlagsFromString(`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`);
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
