import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { monotonicClock, monotonicNowUs } from '../../src/timing/clock.js';

interface WorkerSample {
  nowUs: number;
  timeOrigin: number;
}

// The worker runs the very function monotonicClock uses (its source), so this
// checks salvo's clock, not just Node's.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const nowUs = ${monotonicNowUs.toString()};
parentPort.on('message', () => parentPort.postMessage({ nowUs: nowUs(), timeOrigin: performance.timeOrigin }));
`;

describe('monotonicClock', () => {
  it('is monotonic', () => {
    let last = monotonicClock.nowUs();
    for (let i = 0; i < 10_000; i++) {
      const now = monotonicClock.nowUs();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });

  it('agrees with a worker thread within 5 ms', async () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    try {
      const samples: { before: number; worker: WorkerSample; after: number }[] = [];
      for (let i = 0; i < 5; i++) {
        const before = monotonicClock.nowUs();
        worker.postMessage('now');
        const [sample] = (await once(worker, 'message')) as [WorkerSample];
        samples.push({ before, worker: sample, after: monotonicClock.nowUs() });
      }
      for (const { before, worker: sample, after } of samples) {
        expect(sample.nowUs).toBeGreaterThanOrEqual(before - 5_000);
        expect(sample.nowUs).toBeLessThanOrEqual(after + 5_000);
      }
      // The finding behind DESIGN.md: on Node 20 workers share the process's performance origin too.
      expect(samples[0]!.worker.timeOrigin).toBe(performance.timeOrigin);
    } finally {
      await worker.terminate();
    }
  });
});
