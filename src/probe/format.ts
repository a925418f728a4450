/** The probe report as text: a table for people, JSON for programs. Pure. */
import type { ProbeReport } from './types.js';

const HEADERS = ['capability', 'status', 'detail'] as const;

/**
 * A heading line naming the URL and broker, then one row per capability:
 *
 *   capability       status   detail
 *   connection       yes      container salvo-broker, salvo
 */
export function formatTable(report: ProbeReport): string {
  const { product, version, containerId } = report.broker;
  const broker = [product ?? 'unknown product', version].filter(Boolean).join(' ');
  const heading = `salvo probe ${report.url}: ${broker}${containerId ? ` (container ${containerId})` : ''}`;
  const rows = report.capabilities.map((result) => [result.name, result.status, result.detail] as const);
  const widths = [0, 1].map((column) => Math.max(HEADERS[column].length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell))
      .join('  ')
      .trimEnd();
  return [heading, '', line(HEADERS), ...rows.map(line)].join('\n') + '\n';
}

/** The report as one JSON document (the whole of stdout under --json). */
export function formatJson(report: ProbeReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
