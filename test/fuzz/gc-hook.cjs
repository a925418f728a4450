// Preloaded into the fuzzed `salvo broker` child (node --expose-gc -r): on SIGUSR2 it collects
// garbage and reports its memory on stderr, so the test compares live memory, not what V8 has yet
// to collect. The broker's own code knows nothing of it.
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  setTimeout(() => {
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    process.stderr.write(`[gc] ${JSON.stringify({ rss, heapUsed, external, arrayBuffers })}\n`);
  }, 200);
});
