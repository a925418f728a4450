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
 * senders, two receivers) held 192 MiB of new space in a 400-link run. 4 MiB caps that for every thread started
 * after this is set (the coordinator's own heap was configured before it runs). Measured 2026-12-07 (npm run
 * bench:links with 400 links, npm run bench:cpu): 8 MiB took the run from about 660 to 473-481 MiB, 4 MiB to
 * 447-468 MiB; CPU per message the same within the noise at 16, 8 and 4 MiB (4 rounds, 4 vs 8 MiB: salvo 6.6 vs
 * 7.3 µs, the broker 7.1 vs 6.6 µs).
 */
const MAX_SEMI_SPACE_MB = 4;
/*
 * Old generation: left to V8. Its growth factor lets a heap fill with garbage to several times its live size (the
 * embedded broker held 85 MiB with 19 MiB live at 400 links); --heap-growing-percent=50 brought a 400-link run from
 * 572 to 498 MiB, but made 21 full collections of a 200k-message run instead of 8-13 and cost 25-32% more CPU per
 * message (npm run bench:cpu, 2026-12-07): not a price for every run to pay.
 */

export function applyHeapSettings(): void {
  setFlagsFromString('--no-memory-reducer');
  setFlagsFromString(`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`);
}
