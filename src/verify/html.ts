/**
 * verify.html: the battery's table as a self-contained page (no script, no
 * network), one row per promise, each run's evidence under it with a link to
 * its own result.json (relative, so the folder can be moved or archived).
 * A pure function of verify.json.
 */
import { relative } from 'node:path';
import type { PromiseStatus } from './judge.js';
import type { PromiseReport, VerifyResult } from './result.js';

const STYLE = `
body { margin: 24px; font: 14px/1.45 system-ui, sans-serif; color: #1b1f24; max-width: 1200px; }
h1 { font-size: 20px; margin: 0 0 4px; } p { color: #57606a; margin: 4px 0 16px; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 4px 10px; vertical-align: top; }
th { color: #57606a; border-bottom: 2px solid #d0d7de; } tr.promise td { border-top: 1px solid #d0d7de; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.kept { background: #1a7f37; } .broken { background: #cf222e; } .not-kept { background: #9a6700; }
.not-offered, .not-run, .skipped { background: #8c959f; }
.run td { color: #57606a; font-size: 13px; padding-top: 0; } code { font-size: 12px; }
`;

/** The page; `dir` is verify.json's folder, so the links to each run are relative to it. */
export function verifyHtml(result: VerifyResult, dir: string): string {
  const broker = [result.broker.product, result.broker.version].filter((s) => s !== undefined).join(' ');
  const summary = Object.entries(result.summary)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const rows = result.promises.map((p) => promiseRows(p, dir)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>salvo verify: ${escape(result.target)}</title>
<style>${STYLE}</style></head>
<body>
<h1>salvo verify: ${escape(result.target)}${broker !== '' ? ` (${escape(broker)})` : ''}</h1>
<p>${escape(result.size)} battery, seed ${result.seed}${result.brokerChaos !== undefined ? `, --broker-chaos ${escape(result.brokerChaos)}` : ''}; started ${escape(result.startedAt)}; ${(result.elapsedMs / 1000).toFixed(1)} s in all; ${escape(summary)}; exit ${result.exitCode}</p>
<table>
<thead><tr><th>#</th><th>promise</th><th>result</th><th>time</th><th>evidence</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body></html>
`;
}

function promiseRows(p: PromiseReport, dir: string): string {
  const time = p.scenarios.length > 0 ? `${(p.elapsedMs / 1000).toFixed(1)} s` : '';
  const head = `<tr class="promise"><td class="num">${p.number}</td><td>${escape(p.title)}</td><td>${badge(p.status)}</td><td class="num">${time}</td><td>${p.scenarios.length > 1 ? '' : escape(p.evidence)}${p.scenarios.length === 1 ? link(p.scenarios[0].result, dir) : ''}</td></tr>`;
  if (p.scenarios.length <= 1) return head;
  const runs = p.scenarios.map(
    (s) =>
      `<tr class="run"><td></td><td>${escape(s.label)}</td><td>${badge(s.status)}</td><td class="num">${(s.elapsedMs / 1000).toFixed(1)} s</td><td>${escape(s.evidence)}${link(s.result, dir)}</td></tr>`,
  );
  return [head, ...runs].join('\n');
}

function badge(status: PromiseStatus): string {
  return `<span class="status ${status.replace(' ', '-')}">${escape(status)}</span>`;
}

function link(file: string | undefined, dir: string): string {
  if (file === undefined) return '';
  const href = relative(dir, file).split('\\').join('/');
  return ` <a href="${escape(href)}"><code>${escape(href)}</code></a>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
