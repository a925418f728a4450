/**
 * What the summary and report.html say of slow consumers and sizes, from
 * results built by hand: the queue depth plot only when it says something,
 * the backlog row, and the per-size counts.
 */
import { describe, expect, it } from 'vitest';
import { pageData, renderHtml } from '../../src/report/html.js';
import { formatSummary } from '../../src/results/summary.js';
import { pointAt, resultOf } from '../report/fixture.js';

const points = [
  { ...pointAt(0, { accepted: 2000, received: 500 }), backlog: 1500 },
  { ...pointAt(1, { accepted: 2000, received: 500 }), backlog: 3000 },
];
const backlog = { atSendEnd: 3000, sendPhaseS: 2, growthPerS: 1500, peak: 3000, undrained: 2000 };

describe('slow consumers in the report and the summary', () => {
  it('plots the queue depth and states the backlog, its growth and what the drain left', () => {
    const result = resultOf({ recvRate: '500' }, { timeseries: points, backlog });
    const data = pageData(result);
    expect(data.backlog?.series[0].values).toEqual([1500, 3000]);
    const html = renderHtml(result);
    expect(html).toContain('held slow: --recv-rate 500 msg/s (paced by credit)');
    expect(html).toContain('3,000 messages queued at the end of the send phase (2.0 s), grew 1,500 msg/s');
    const summary = formatSummary(result, 'out');
    expect(summary).toMatch(/Backlog\s+3,000 messages queued .* 2,000 still queued when the drain ended/);
  });

  it('draws no queue depth plot for a run with no backlog and no slow consumer', () => {
    const flat = [{ ...pointAt(0, { accepted: 10, received: 10 }), backlog: 0 }];
    const result = resultOf({}, { timeseries: flat, backlog: { ...backlog, atSendEnd: 0, undrained: undefined } });
    expect(pageData(result).backlog).toBeNull();
    expect(formatSummary(result, 'out')).not.toContain('Backlog');
  });

  it('lists the messages sent per size', () => {
    const result = resultOf(
      { bodySize: '100:80,10k:20' },
      {
        sentBySize: [
          { bytes: 100, sent: 790 },
          { bytes: 10240, sent: 210 },
        ],
      },
    );
    expect(formatSummary(result, 'out')).toMatch(/Per size\s+100 B 790 \(79\.0%\), 10 KiB 210 \(21\.0%\)/);
    expect(renderHtml(result)).toContain('100 B 790 (79.0%), 10 KiB 210 (21.0%)');
  });
});
