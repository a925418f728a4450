/** `salvo verify` as a user runs it, its verify.json read back (tests of test/verify). */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VerifyResult } from '../../src/verify/result.js';
import { runCli, type CliRun } from '../helpers/cli.js';

export interface VerifyRun {
  run: CliRun;
  /** verify.json as written; undefined when the command wrote none (a usage error, an unreachable broker). */
  result?: VerifyResult;
  dir: string;
}

export async function runVerify(args: string[], timeoutMs: number): Promise<VerifyRun> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-verify-'));
  const run = await runCli(['verify', ...args, '--output', dir], timeoutMs);
  const file = join(dir, 'verify.json');
  const result = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as VerifyResult) : undefined;
  return { run, dir, ...(result !== undefined ? { result } : {}) };
}

/** Promise id -> its status, for the promises that were asked for (skipped ones left out). */
export function statusesOf(result: VerifyResult): Record<string, string> {
  return Object.fromEntries(result.promises.filter((p) => p.status !== 'skipped').map((p) => [p.id, p.status]));
}
