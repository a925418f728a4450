/** The page's HTML: self-contained, and nothing a result holds can inject markup or end its data block. */
import { describe, expect, it } from 'vitest';
import { pageData, renderHtml } from '../../src/report/index.js';
import { latencyOf, pointAt, resultOf, withFaults } from './fixture.js';

const HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';

describe('report.html', () => {
  it('escapes every text from the result, and carries the plot data intact', async () => {
    const result = withFaults(
      resultOf(
        { count: 100 },
        {
          latency: { service: await latencyOf([[120, 100]]) },
          checks: [{ name: 'every sent message accepted', ok: false, detail: HOSTILE }],
          problems: [HOSTILE],
          timeseries: [pointAt(0, { sent: 100 })],
        },
      ),
      [{ atMs: 500, kind: 'reset', target: HOSTILE, effect: HOSTILE }],
    );
    const html = renderHtml(result);
    // Three scripts: the data block, uPlot, the page's own; none with a src.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('alert(1)</script>');
    expect(html).toContain('&#60;/script&#62;&#60;script&#62;alert(1)');
    const block = html.match(/<script id="salvo-data" type="application\/json">(.*?)<\/script>/s);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1])).toEqual(pageData(result));
    expect(html).toMatch(/<span class="status fail">FAIL<\/span>/);
  });

  it('names the address in its header, and says when the URL named none', () => {
    const header = (html: string) => html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(header(renderHtml(resultOf({ url: 'amqp://127.0.0.1:5672/orders', count: 10 })))).toContain(
      'address orders',
    );
    expect(header(renderHtml(resultOf({ url: 'amqp://127.0.0.1:5672', count: 10 })))).toContain(
      'address salvo (the URL named none)',
    );
  });

  it('leads the verdict with how many checks passed, never a pass without any', () => {
    const lead = (result: ReturnType<typeof resultOf>) =>
      renderHtml(result)
        .match(/<section id="verdict"><h2>Verdict<\/h2>\n<p>(.*?)<\/p>/)![1]
        .replace(/<[^>]+>/g, '');
    const ok = { name: 'every sent message accepted', ok: true, detail: '100 of 100' };
    expect(lead(resultOf({ count: 100 }, { checks: [ok, { ...ok, name: 'no fewer received' }] }))).toBe(
      'PASS every check (2) passed',
    );
    expect(lead(resultOf({ count: 100 }, { checks: [ok, { ...ok, ok: false }] }))).toBe('FAIL 1 of 2 failed');
    expect(lead(resultOf({ count: 100 }))).toBe('FAIL no check was made: not a pass');
    expect(lead(resultOf({ count: 100 }, { complete: false, interrupted: 'measuring' }))).toBe(
      'INCOMPLETE the run did not finish (interrupted while measuring)',
    );
  });

  it('lists the thresholds, escaped, with what was measured', () => {
    const threshold = { text: 'service.p50<1us', metric: 'service.p50', limit: 1, unit: 'us', measured: 210 } as const;
    const html = renderHtml(resultOf({ count: 100 }, { thresholds: [{ ...threshold, pass: false }] }));
    expect(html).toContain('<h3>Thresholds</h3>');
    expect(html).toMatch(
      /<span class="status fail">FAIL<\/span><\/td><td><code>service\.p50&#60;1us<\/code><\/td><td>210µs/,
    );
    expect(renderHtml(resultOf({ count: 100 }))).not.toContain('<h3>Thresholds</h3>');
  });

  it("puts the fault proxy's own lateness under the latencies, when the run has it", async () => {
    const service = await latencyOf([[120, 100]]);
    const plain = renderHtml(resultOf({ count: 100 }, { latency: { service } }));
    expect(plain).not.toContain('fault proxy: write - due');
    const proxyLateness = await latencyOf([
      [3, 990],
      [700, 10],
    ]);
    const html = renderHtml(resultOf({ count: 100 }, { latency: { service }, proxyLateness }));
    const row = html.match(/<tr><td>fault proxy: write - due of each delayed chunk<\/td>(.*?)<\/tr>/s);
    expect(row).not.toBeNull();
    expect(row![1].match(/<td[^>]*>([^<]*)<\/td>/g)!.map((cell) => cell.replace(/<[^>]+>/g, ''))).toEqual([
      '1,000',
      '10',
      '3',
      '3',
      '3',
      '700',
      '700',
      '700',
      '700',
    ]);
  });

  it('reads top-down: the verdict first, the timeline right under it, then the rest', async () => {
    const html = renderHtml(
      resultOf(
        { count: 100 },
        { latency: { service: await latencyOf([[120, 100]]) }, timeseries: [pointAt(0, { sent: 100 })] },
      ),
    );
    const sections = [...html.matchAll(/<section(?: id="([a-z]+)")?><h2>([^<]+)<\/h2>/g)].map((m) => m[1] ?? m[2]);
    expect(sections.slice(0, 2)).toEqual(['verdict', 'timeline']);
    expect(sections).toContain('distribution');
    // One percentile plot, whatever the number of kinds.
    expect(html.match(/id="plot-distribution[^"]*"/g)).toEqual(['id="plot-distribution"']);
  });

  it('names the inlined charting library and its licence', () => {
    const html = renderHtml(resultOf({ count: 10 }));
    expect(html).toMatch(/<!-- uPlot \d+\.\d+\.\d+, MIT License, Copyright \(c\) \d{4} Leon Sorokin -->/);
    expect(html).toContain('var uPlot=');
  });
});
