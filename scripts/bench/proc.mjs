// Sampling a child process from /proc: CPU time (user + system, all threads)
// and peak resident memory (VmHWM covers the coordinator and its worker threads,
// which are one process). Linux only.
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100;

/** CPU seconds (user + system) used so far by process `pid`, or null once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Peak resident set (bytes) of process `pid` so far, or null once it is gone. */
export function peakRssBytes(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
