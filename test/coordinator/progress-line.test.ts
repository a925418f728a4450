import { describe, expect, it } from 'vitest';
import { formatProgress, type ProgressSnapshot } from '../../src/coordinator/progress-line.js';

const base: ProgressSnapshot = {
  elapsedS: 3,
  totalS: 10,
  sent: 6000,
  received: 1500,
  sendRate: 2000,
  receiveRate: 500,
  p50Us: null,
  p99Us: null,
  warmup: false,
};

describe('the progress line', () => {
  it('shows the queue depth when consumers are held slow', () => {
    expect(formatProgress({ ...base, queued: 4500 })).toBe(
      '[3s/10s]  sent 6,000 (2,000/s)  received 1,500 (500/s)  queued 4,500',
    );
  });

  it('leaves it out otherwise', () => {
    expect(formatProgress(base)).not.toContain('queued');
  });
});
