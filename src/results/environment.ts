/** Where a result was measured: recorded with every result so figures can be compared honestly. */
import { cpus, hostname, platform, release, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { salvoVersion } from '../runtime/compiled.js';

export interface Environment {
  salvo: string;
  node: string;
  rhea: string;
  hdrHistogram: string;
  host: string;
  os: string;
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  /** The broker the run targeted, without its password. */
  target: string;
  /** How latencies were timed. */
  clock: string;
}

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function captureEnvironment(target: string): Environment {
  const cpuList = cpus();
  return {
    salvo: salvoVersion(),
    node: process.version,
    rhea: versionOf('rhea'),
    hdrHistogram: versionOf('hdr-histogram-js'),
    host: hostname(),
    os: `${platform()} ${release()}`,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    memoryBytes: totalmem(),
    target,
    clock: 'monotonic (process.hrtime), shared by every thread of one process',
  };
}
