/** The live progress line: a pure formatter, and one writer that owns the terminal line (stderr). */
export interface ProgressSnapshot {
  elapsedS: number;
  totalS: number | null;
  sent: number;
  received: number;
  sendRate: number;
  receiveRate: number;
  p50Us: number | null;
  p99Us: number | null;
  warmup: boolean;
}

export function formatProgress(s: ProgressSnapshot): string {
  const time = s.totalS !== null ? `${s.elapsedS.toFixed(0)}s/${s.totalS.toFixed(0)}s` : `${s.elapsedS.toFixed(0)}s`;
  const latency = s.p50Us !== null ? `  p50 ${ms(s.p50Us)}  p99 ${ms(s.p99Us ?? 0)}` : '';
  return `[${time}]${s.warmup ? ' warm-up' : ''}  sent ${int(s.sent)} (${int(s.sendRate)}/s)  received ${int(s.received)} (${int(s.receiveRate)}/s)${latency}`;
}

export class ProgressLine {
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream, private readonly enabled: boolean) {}

  show(line: string): void {
    if (!this.enabled) return;
    this.stream.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

function ms(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${Math.round(us)} µs`;
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
