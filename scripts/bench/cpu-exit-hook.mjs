// Preloaded (node --import) into a `salvo run` by scripts/bench/cpu.mjs: at exit, the process's CPU time (user and
// system, every thread, exited worker threads included: getrusage(RUSAGE_SELF)) written to the file named by
// SALVO_BENCH_CPU_FILE. Exact where sampling /proc from outside would miss the last moments before exit.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.SALVO_BENCH_CPU_FILE;
if (isMainThread && file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ userUs: user, systemUs: system }));
  });
}
