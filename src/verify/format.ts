/**
 * The battery as one table: promise | result | time | evidence, a promise
 * with several runs giving each run its own evidence line under it. A pure
 * function of verify.json, so the printed table and the file never differ.
 */
import { PROMISES } from './promises.js';
import type { PromiseReport, VerifyResult } from './result.js';

/** The longest title and two spaces. */
const TITLE_WIDTH = Math.max(...PROMISES.map((p) => p.title.length)) + 2;
const STATUS_WIDTH = 12;
const TIME_WIDTH = 7;

export function formatVerify(result: VerifyResult, file: string): string {
  const broker = [result.broker.product, result.broker.version].filter((s) => s !== undefined).join(' ');
  const chaos = result.brokerChaos !== undefined ? `, --broker-chaos ${result.brokerChaos}` : '';
  const lines = [
    '',
    `VERIFY  ${result.target}${broker !== '' ? ` (${broker})` : ''}: ${result.size} battery, seed ${result.seed}${chaos}`,
    '',
    `  ${'#'.padStart(2)}  ${'promise'.padEnd(TITLE_WIDTH)}${'result'.padEnd(STATUS_WIDTH)}${'time'.padStart(TIME_WIDTH)}  evidence`,
  ];
  for (const p of result.promises) lines.push(...rowLines(p));
  lines.push('', `  ${summaryLine(result)}`, `  Result     ${verdictLine(result)}; ${file}`, '');
  return lines.join('\n');
}

/** One line per promise as it finishes, for stderr while the battery runs. */
export function progressLine(p: PromiseReport): string {
  return `verify: ${String(p.number).padStart(2)} ${p.id}: ${p.status} (${seconds(p.elapsedMs)})`;
}

function rowLines(p: PromiseReport): string[] {
  const head = `  ${String(p.number).padStart(2)}  ${p.title.padEnd(TITLE_WIDTH)}${p.status.padEnd(STATUS_WIDTH)}`;
  const time = (p.scenarios.length > 0 ? seconds(p.elapsedMs) : '').padStart(TIME_WIDTH);
  if (p.scenarios.length <= 1) return [`${head}${time}  ${p.evidence}`];
  const indent = ' '.repeat(head.length + TIME_WIDTH + 2);
  return [
    `${head}${time}  ${scenarioText(p.scenarios[0])}`,
    ...p.scenarios.slice(1).map((s) => `${indent}${scenarioText(s)}`),
  ];
}

function scenarioText(s: PromiseReport['scenarios'][number]): string {
  return `${s.label}: ${s.status === 'kept' ? '' : `${s.status.toUpperCase()}: `}${s.evidence}`;
}

function summaryLine(result: VerifyResult): string {
  const counts = Object.entries(result.summary)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  return `Promises   ${counts} (${seconds(result.elapsedMs)} in all)`;
}

function verdictLine(result: VerifyResult): string {
  const broken = result.promises.filter((p) => p.status === 'broken').map((p) => p.id);
  if (broken.length > 0) return `BROKEN: ${broken.join(', ')}`;
  const unchecked = result.promises.filter((p) => p.status === 'not run' && !p.unsupported).map((p) => p.id);
  if (unchecked.length > 0) return `NOT CHECKED (the runs measured nothing): ${unchecked.join(', ')}`;
  return 'every promise offered and run was kept';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
