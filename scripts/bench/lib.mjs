// Helpers for the benchmark scripts: child processes with bounded lifetimes,
// medians, and writing results/bench/*.json with the environment.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LIMIT_MS = 180_000;

/** Runs a node script to completion; resolves with its stdout, rejects on a non-zero exit. */
export function runNode(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${err.trim().split('\n').pop()}`));
    });
  });
}

/** Starts a long-running node script and resolves once its stdout matches `ready`. */
export function startNode(args, ready) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c;
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
  return {
    child,
    started,
    stop: () =>
      new Promise((r) => {
        child.on('close', r);
        child.kill('SIGTERM');
      }),
  };
}

export function lastJsonLine(text) {
  return JSON.parse(
    text
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function writeBench(name, data) {
  const dir = join(ROOT, 'results', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const environment = {
    node: process.version,
    host: hostname(),
    cpuModel: cpus()[0]?.model,
    cpuCount: cpus().length,
    at: new Date().toISOString(),
  };
  writeFileSync(file, JSON.stringify({ ...data, environment }, null, 2) + '\n');
  return file;
}

export function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** Whether something accepts TCP on host:port within a second (is the broker there?). */
export function listening(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
