/**
 * The report page's one script: it draws the plots with uPlot from the data
 * the page carries. It runs in the browser, inlined as the source text of
 * `drawReport` (html.ts), so the function must stand alone: it may use only
 * its parameters and browser globals, never anything imported or defined at
 * module level (types excepted: they are gone once compiled).
 *
 * It leaves `window.salvoReport` = { plots, errors } behind: each plot with
 * its uPlot instance and its series' colours, so a test can ask whether each
 * plot drew its data, and every plot's error instead of a blank box.
 */
import type uPlot from 'uplot';

export interface SeriesData {
  label: string;
  colour: string;
  /** Dashed, for a p50 beside its kind's p99. */
  dash?: boolean;
  values: (number | null)[];
}

export interface PlotData {
  /** The element's id the plot goes in. */
  id: string;
  title: string;
  x: number[];
  series: SeriesData[];
}

export interface TimelineMarks {
  /** [start, end) seconds of warm-up. */
  warmup: [number, number][];
  /** Vertical markers: reconnects (per second) and injected faults. */
  events: { t: number; label: string; colour: string }[];
}

export interface PageData {
  /** One per latency kind: x = 1/(1-percentile), y = µs. */
  distributions: PlotData[];
  throughput: PlotData | null;
  latency: PlotData | null;
  marks: TimelineMarks;
}

export interface DrawnPlot {
  id: string;
  plot: uPlot;
  colours: string[];
}

export function drawReport(data: PageData, UPlot: typeof uPlot): void {
  const drawn: DrawnPlot[] = [];
  const errors: string[] = [];
  (window as unknown as { salvoReport: unknown }).salvoReport = { plots: drawn, errors };

  const width = (el: HTMLElement): number => Math.max(320, Math.min(1100, el.clientWidth || 900));
  const int = (v: number): string => Math.round(v).toLocaleString('en-US');
  // 1/(1-p) back to a percentile label: 10 -> 90%, 1000 -> 99.9%.
  const percentileLabel = (x: number, digits: number): string => {
    const p = 100 * (1 - 1 / x);
    return `${p <= 0 ? '0' : p.toFixed(digits).replace(/\.?0+$/, '')}%`;
  };
  const lines = (plot: PlotData): uPlot.Series[] => [
    {},
    ...plot.series.map((s) => ({
      label: s.label,
      stroke: s.colour,
      width: 2,
      dash: s.dash ? [6, 4] : undefined,
      spanGaps: false,
      points: { show: false },
    })),
  ];

  const draw = (plot: PlotData, build: (el: HTMLElement) => uPlot.Options): void => {
    const el = document.getElementById(plot.id);
    if (el === null) return;
    try {
      const u = new UPlot(build(el), [plot.x, ...plot.series.map((s) => s.values)] as uPlot.AlignedData, el);
      drawn.push({ id: plot.id, plot: u, colours: plot.series.map((s) => s.colour) });
    } catch (error) {
      const message = `${plot.title}: ${error instanceof Error ? error.message : String(error)}`;
      errors.push(message);
      el.textContent = `this plot failed to draw (${message})`;
    }
  };

  for (const plot of data.distributions) {
    draw(plot, (el) => ({
      title: plot.title,
      width: width(el),
      height: 320,
      scales: {
        x: { time: false, distr: 3, log: 10, range: [1, 100000] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
      },
      axes: [
        {
          label: 'percentile',
          splits: () => [1, 10, 100, 1000, 10000, 100000],
          values: (_u, splits) => splits.map((x) => percentileLabel(x, 3)),
        },
        { label: 'latency (µs)', size: 80, values: (_u, splits) => splits.map(int) },
      ],
      series: [
        { label: 'percentile', value: (_u, x) => (x == null ? '' : percentileLabel(x, 4)) },
        ...lines(plot)
          .slice(1)
          .map((s) => ({ ...s, value: (_u: uPlot, v: number | null) => (v == null ? '' : `${int(v)} µs`) })),
      ],
    }));
  }

  // Warm-up shaded under the series, markers over them: drawn on uPlot's own canvas, so they move with zoom.
  const marks = data.marks;
  const shade = (u: uPlot): void => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = 'rgba(128, 128, 128, 0.15)';
    for (const [start, end] of marks.warmup) {
      const left = Math.max(bbox.left, u.valToPos(start, 'x', true));
      const right = Math.min(bbox.left + bbox.width, u.valToPos(end, 'x', true));
      if (right > left) ctx.fillRect(left, bbox.top, right - left, bbox.height);
    }
    ctx.restore();
  };
  const markers = (u: uPlot): void => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`;
    ctx.setLineDash([4, 3]);
    for (const event of marks.events) {
      const x = u.valToPos(event.t, 'x', true);
      if (x < bbox.left || x > bbox.left + bbox.width) continue;
      ctx.strokeStyle = event.colour;
      ctx.fillStyle = event.colour;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      ctx.fillText(event.label, x + 3, bbox.top + 12 * devicePixelRatio);
    }
    ctx.restore();
  };
  const timeline = (plot: PlotData, yLabel: string, log: boolean, unit: string): void => {
    draw(plot, (el) => ({
      title: plot.title,
      width: width(el),
      height: 260,
      cursor: { sync: { key: 'timeline' } },
      scales: {
        x: { time: false },
        y: log ? { distr: 3, log: 10 } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { label: 'seconds since the run started' },
        // A log axis splits every decade nine times: label only the decades, or the labels overlap.
        {
          label: yLabel,
          size: 80,
          values: (_u, splits) =>
            splits.map((v) => (!log || Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? int(v) : '')),
        },
      ],
      series: [
        { label: 's', value: (_u, x) => (x == null ? '' : `${x} s`) },
        ...lines(plot)
          .slice(1)
          .map((s) => ({ ...s, value: (_u: uPlot, v: number | null) => (v == null ? '' : `${int(v)} ${unit}`) })),
      ],
      hooks: { drawClear: [shade], draw: [markers] },
    }));
  };
  if (data.throughput) timeline(data.throughput, 'messages per second', false, 'msg/s');
  if (data.latency) timeline(data.latency, 'latency (µs, log)', true, 'µs');
}
