/**
 * The pieces every salvo HTML page is built of (report.html, compare.html):
 * escaping, tables, sections and PASS / FAIL badges. Pure: strings in,
 * strings out; every text from a result is escaped here or by the caller.
 */

/** Nothing from the network: a page's script and style are inline, plots draw into data: images. */
export const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Cells are HTML already escaped by the caller; `numeric` right-aligns a column. */
export function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const cls = (i: number): string => (numeric[i] ? ' class="num"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A section with its heading; `id` lets a reader (and a test) find it. */
export function section(heading: string, body: string, id?: string): string {
  return `<section${id === undefined ? '' : ` id="${id}"`}><h2>${esc(heading)}</h2>\n${body}\n</section>`;
}

export function badge(ok: boolean, text = ok ? 'PASS' : 'FAIL'): string {
  return `<span class="status ${ok ? 'pass' : 'fail'}">${esc(text)}</span>`;
}

export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
