/**
 * The report page's one script: it draws the plots with uPlot from the data
 * the page carries. It runs in the browser, inlined as the source text of
 * `drawReport` (html.ts), so the function must stand alone: it may use only
 * its parameters and browser globals, never anything imported or defined at
 * module level (types excepted: they are gone once compiled). The marker
 * label layout (marker-lanes.ts) comes in as a parameter, inlined the same way.
 *
 * It leaves `window.salvoReport` = { plots, errors, markers } behind: each
 * plot with its uPlot instance and its series' colours, so a test can ask
 * whether each plot drew its data; every plot's error instead of a blank
 * box; and how many marker labels the last layout placed and left out.
 */
import type uPlot from 'uplot';
import type { LabelBox } from './marker-lanes.js';

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

/** A vertical marker on the timelines: an injected fault, or a connection lost or regained. */
export interface MarkerEvent {
  /** Seconds since the run's start. */
  t: number;
  label: string;
  colour: string;
  /** The tooltip: when, what, on what, with what effect. */
  detail: string;
  /** Injected faults get a label before the connection events they cause. */
  fault: boolean;
}

export interface TimelineMarks {
  /** [start, end) seconds of warm-up. */
  warmup: [number, number][];
  events: MarkerEvent[];
}

export interface PageData {
  /** Every latency kind on one plot: x = 1/(1-percentile), y = µs; null when no histogram was recorded. */
  distribution: PlotData | null;
  /** The seconds every timeline plot spans (the points and every marker), so their x axes line up. */
  timeRange: [number, number] | null;
  throughput: PlotData | null;
  latency: PlotData | null;
  /** In doubt, resent, duplicate copies per second, under the faults; null when the run had neither. */
  delivery: PlotData | null;
  /** Queue depth per second (taken minus received, running); null when the result has none to show. */
  backlog?: PlotData | null;
  marks: TimelineMarks;
}

export interface DrawnPlot {
  id: string;
  plot: uPlot;
  colours: string[];
}

export type LaneLayout = (boxes: readonly LabelBox[], maxLanes: number, gap: number) => number[];

export function drawReport(data: PageData, UPlot: typeof uPlot, laneOf: LaneLayout): void {
  const drawn: DrawnPlot[] = [];
  const errors: string[] = [];
  const markers = { inView: 0, labelled: 0, unlabelled: 0 };
  (window as unknown as { salvoReport: unknown }).salvoReport = { plots: drawn, errors, markers };

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

  const draw = (plot: PlotData, build: (el: HTMLElement) => uPlot.Options): uPlot | null => {
    const el = document.getElementById(plot.id);
    if (el === null) return null;
    try {
      const u = new UPlot(build(el), [plot.x, ...plot.series.map((s) => s.values)] as uPlot.AlignedData, el);
      drawn.push({ id: plot.id, plot: u, colours: plot.series.map((s) => s.colour) });
      return u;
    } catch (error) {
      const message = `${plot.title}: ${error instanceof Error ? error.message : String(error)}`;
      errors.push(message);
      el.textContent = `this plot failed to draw (${message})`;
      return null;
    }
  };

  if (data.distribution) {
    const plot = data.distribution;
    draw(plot, (el) => ({
      title: plot.title,
      width: width(el),
      height: 360,
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

  // Warm-up shaded under the series, marker lines over them: drawn on uPlot's own canvas, so they move with zoom.
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
  const markerLines = (u: uPlot): void => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    ctx.setLineDash([4, 3]);
    // A 1-device-pixel line on a pixel's centre stays one crisp pixel wide; anywhere else it blurs over two, faintly.
    const crisp = ctx.lineWidth % 2 === 1 ? 0.5 : 0;
    for (const event of marks.events) {
      const x = Math.round(u.valToPos(event.t, 'x', true)) + crisp;
      if (x < bbox.left || x > bbox.left + bbox.width) continue;
      ctx.strokeStyle = event.colour;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  };

  // The labels: HTML above the first timeline plot, in lanes so none prints over another (marker-lanes.ts).
  const LANE_HEIGHT = 18;
  const MAX_LANES = 4;
  const GAP = 4;
  const strip = document.getElementById('marker-lanes');
  const note = document.getElementById('marker-note');
  // Widths by label text, measured once each: a run of an hour has thousands of markers but a few distinct labels.
  const widths = new Map<string, number>();
  const widthOf = (text: string): number => {
    let w = widths.get(text);
    if (w === undefined && strip !== null) {
      const probe = document.createElement('span');
      probe.className = 'marker-label';
      probe.style.visibility = 'hidden';
      probe.textContent = text;
      strip.appendChild(probe);
      w = probe.offsetWidth;
      probe.remove();
      widths.set(text, w);
    }
    return w ?? 0;
  };
  const labelMarkers = (u: uPlot): void => {
    if (strip === null) return;
    strip.textContent = '';
    const overLeft = u.over.getBoundingClientRect().left - strip.getBoundingClientRect().left;
    const plotWidth = u.over.clientWidth;
    const stripWidth = strip.clientWidth;
    const shown: { event: MarkerEvent; box: LabelBox }[] = [];
    for (const event of marks.events) {
      const x = u.valToPos(event.t, 'x');
      if (!(x >= 0 && x <= plotWidth)) continue;
      const w = widthOf(event.label);
      // Beside its line, to the right; to the left when it would run past the plot.
      const at = overLeft + x;
      const left = at + w + 2 > stripWidth ? at - w - 2 : at + 2;
      shown.push({ event, box: { left, width: w, priority: event.fault ? 0 : 1 } });
    }
    const lanes = laneOf(
      shown.map((s) => s.box),
      MAX_LANES,
      GAP,
    );
    const used = lanes.reduce((most, lane) => Math.max(most, lane), 0) + 1;
    // Elements only for the labels placed: at most a few rows of a plot's width.
    lanes.forEach((lane, i) => {
      if (lane < 0) return;
      const { event, box } = shown[i];
      const el = document.createElement('span');
      el.className = 'marker-label';
      el.textContent = event.label;
      el.title = event.detail;
      el.style.color = event.colour;
      el.style.borderColor = event.colour;
      el.style.left = `${box.left}px`;
      el.style.top = `${(used - 1 - lane) * LANE_HEIGHT}px`;
      strip.appendChild(el);
    });
    strip.style.height = `${lanes.some((lane) => lane >= 0) ? used * LANE_HEIGHT : 0}px`;
    markers.inView = shown.length;
    markers.labelled = lanes.filter((lane) => lane >= 0).length;
    markers.unlabelled = shown.length - markers.labelled;
    if (note !== null)
      note.textContent =
        markers.unlabelled === 0
          ? ''
          : `${markers.unlabelled} of ${shown.length} markers in view have no label, for want of room: drag across ` +
            'a plot to zoom in and label them, hover a label for its details, or read the table of faults below.';
  };

  // Every timeline spans the same seconds (markers past the last point included), and zooms together.
  const range = data.timeRange;
  const timelines: uPlot[] = [];
  const syncZoom = (u: uPlot, key: string): void => {
    if (key !== 'x') return;
    const { min, max } = u.scales.x;
    if (min == null || max == null) return;
    for (const other of timelines) {
      if (other !== u && (other.scales.x.min !== min || other.scales.x.max !== max)) other.setScale('x', { min, max });
    }
  };
  const timeline = (plot: PlotData, yLabel: string, log: boolean, unit: string, height: number): void => {
    const first = timelines.length === 0;
    const xs = plot.x;
    const u = draw(plot, (el) => ({
      title: plot.title,
      width: width(el),
      height,
      cursor: { sync: { key: 'timeline' } },
      scales: {
        x: {
          time: false,
          // Auto-ranged from the data: widen to the shared range; a zoom's own range stays as it is.
          range: (_u, min, max) =>
            range !== null && min === xs[0] && max === xs[xs.length - 1] ? [range[0], range[1]] : [min, max],
        },
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
      hooks: {
        drawClear: [shade],
        draw: first ? [markerLines, labelMarkers] : [markerLines],
        setScale: [syncZoom],
      },
    }));
    if (u === null) return;
    timelines.push(u);
    // The labels' rows go inside the first plot, between its title and its canvas, and are laid out again there.
    if (first && strip !== null) {
      u.root.insertBefore(strip, u.root.querySelector('.u-wrap'));
      labelMarkers(u);
    }
  };
  if (data.throughput) timeline(data.throughput, 'messages per second', false, 'msg/s', 260);
  if (data.latency) timeline(data.latency, 'latency (µs, log)', true, 'µs', 260);
  if (data.delivery) timeline(data.delivery, 'messages', false, 'msg', 180);
  if (data.backlog) timeline(data.backlog, 'messages queued', false, 'msg', 180);
}
