/**
 * How late the fault proxy wrote its delayed chunks: for each chunk the
 * release clock released, write time - due time, in µs. It is the proxy
 * thread's own timing error: a run's latency shift also holds every other
 * thread the message crossed (client, broker) being woken late, this only
 * the proxy's release. The host still shows in it: on 2 cores a write that
 * wakes a reader on loopback may hand that reader the proxy's core, and the
 * next chunk due waits (measured: 1% of writes 0.5-1.6 ms late that way).
 *
 * Chunks written later on purpose are left out: those a blackhole held, those
 * waiting for bandwidth tokens or for a full socket to drain. One record per
 * chunk released (a few per message), into a plain-JavaScript histogram, so
 * the proxy thread needs no WebAssembly and the record allocates nothing.
 */
import { newPlainHistogram, record, summarize, type JsHistogram, type LatencySummary } from '../metrics/index.js';

export class ReleaseLateness {
  private readonly histogram: JsHistogram = newPlainHistogram();

  record(latenessUs: number): void {
    record(this.histogram, latenessUs);
  }

  /** Forgets what was recorded: what came before the measured window (connection set-up, warm-up). */
  reset(): void {
    this.histogram.reset();
  }

  /** null when nothing was delayed (no latency fault, or no byte crossed). */
  summary(): LatencySummary | null {
    return this.histogram.totalCount > 0 ? summarize(this.histogram) : null;
  }
}
