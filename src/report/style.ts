/** The report page's own stylesheet (uPlot's comes with it): plain, printable, readable in light and dark. */
export const PAGE_STYLE = `
:root {
  color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --pass: #1a7f37; --fail: #cf222e; --incomplete: #9a6700;
}
* { box-sizing: border-box; }
body {
  margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: #fff;
}
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); }
header p { margin: 4px 0 8px; color: var(--muted); }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 16px; margin: 24px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
main { padding: 0 24px 32px; max-width: 1160px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status {
  display: inline-block; padding: 1px 8px; border-radius: 10px;
  font-size: 12px; font-weight: 600; color: #fff; vertical-align: middle;
}
.status.pass { background: var(--pass); }
.status.fail { background: var(--fail); }
.status.incomplete { background: var(--incomplete); }
.bad { color: var(--fail); font-weight: 600; }
.note { color: var(--muted); margin: 4px 0; }
.note.warn { color: var(--incomplete); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.plot { margin: 8px 0 16px; min-height: 40px; }
.marker-lanes { position: relative; height: 0; margin-top: 4px; overflow: visible; }
.marker-label {
  position: absolute; top: 0; white-space: nowrap; font-size: 11px; line-height: 16px;
  padding: 0 3px; border-left: 2px solid; background: #fff; cursor: default;
}
`;
