import { beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram, freeHistogram, initHistograms } from '../../src/metrics/index.js';
import { Recorder } from '../../src/metrics/recorder.js';

describe('Recorder', () => {
  beforeAll(async () => {
    await initHistograms();
  });

  it('keeps warm-up messages in their interval but out of the cumulative figures', () => {
    const recorder = new Recorder('s0', ['service'], 1000);
    recorder.count('sent', true);
    recorder.record('service', 500, true);
    recorder.count('sent', false);
    recorder.record('service', 100, false);
    const first = recorder.flush(0);
    expect(first).toMatchObject({ workerId: 's0', interval: 0, warmup: true, counters: { sent: 2 } });
    // A warm-up message's outcome may arrive after warm-up: it still counts apart.
    recorder.count('accepted', true);
    recorder.count('accepted', false);
    const second = recorder.flush(1);
    expect(second).toMatchObject({ interval: 1, warmup: false, counters: { sent: 0, accepted: 2 } });
    expect(second.histograms.service).toBeUndefined();
    const final = recorder.finish();
    expect(final.counters).toMatchObject({ sent: 1, accepted: 1 });
    const h = decodeHistogram(final.histograms.service as string);
    expect(h.totalCount).toBe(1);
    expect(h.maxValue).toBeLessThan(110);
    freeHistogram(h);
  });

  it('numbers intervals as told, so a late or early timer never shifts them', () => {
    const recorder = new Recorder('r0', ['endToEnd'], 0);
    expect(recorder.flush(7).interval).toBe(7);
    expect(recorder.flush(7).interval).toBe(7);
    recorder.finish();
  });
});
