/**
 * The Qpid JMS suite (test/interop/jms, Maven) run as a child process through
 * scripts/interop/jms.sh against a broker URL.
 *
 * It runs offline, from the Maven cache `jms.sh install` fills. When `mvn` or
 * the cache is missing, suites fail with a clear message in CI (CI=true, where
 * .ci/run installs it); elsewhere, or with SALVO_SKIP_INTEROP=1, they skip and
 * say so loudly, so that `npm test` runs on a fresh machine.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe } from 'vitest';
import { ROOT } from './paths.js';

export const JMS_PROJECT = join(ROOT, 'test', 'interop', 'jms');
const SCRIPT = join(ROOT, 'scripts', 'interop', 'jms.sh');
const POM = join(JMS_PROJECT, 'pom.xml');
const MAVEN_REPOSITORY = process.env.SALVO_MAVEN_REPOSITORY ?? join(homedir(), '.m2', 'repository');

export interface JmsStatus {
  ok: boolean;
  problem?: string;
}

let status: JmsStatus | undefined;

export function jmsStatus(): JmsStatus {
  if (status) return status;
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8', timeout: 30_000 });
  if (mvn.status !== 0) {
    status = {
      ok: false,
      problem: `mvn does not run (${mvn.error?.message ?? mvn.stderr.trim()}); apt-get install -y maven`,
    };
    return status;
  }
  const missing = cachedArtifacts().filter((path) => !existsSync(path));
  status =
    missing.length === 0
      ? { ok: true }
      : {
          ok: false,
          problem: `the Maven cache lacks ${missing.join(', ')}: run bash scripts/interop/jms.sh install`,
        };
  return status;
}

/** Two artifacts only `jms.sh install` brings: the client at the pom's version and surefire's JUnit provider. */
function cachedArtifacts(): string[] {
  const pom = readFileSync(POM, 'utf8');
  const qpid = versionIn(pom, /<qpid-jms\.version>([^<]+)</);
  const surefire = versionIn(pom, /<artifactId>maven-surefire-plugin<\/artifactId>\s*<version>([^<]+)</);
  return [
    join(MAVEN_REPOSITORY, 'org', 'apache', 'qpid', 'qpid-jms-client', qpid, `qpid-jms-client-${qpid}.jar`),
    join(MAVEN_REPOSITORY, 'org', 'apache', 'maven', 'surefire', 'surefire-junit-platform', surefire),
  ];
}

function versionIn(pom: string, pattern: RegExp): string {
  const match = pattern.exec(pom);
  if (!match) throw new Error(`${POM} does not match ${pattern}`);
  return match[1];
}

/** `describe` for suites that need Maven and its cache: fails in CI when they are missing, skips loudly elsewhere. */
export function describeWithJms(name: string, body: () => void): void {
  const jms = jmsStatus();
  const maySkip = process.env.SALVO_SKIP_INTEROP === '1' || process.env.CI !== 'true';
  if (!jms.ok && maySkip) {
    console.warn(`\n!!! SKIPPING Qpid JMS interop suite "${name}" (not in CI): ${jms.problem}\n`);
    // Outside CI, `npm test` must run on a fresh machine without Maven's cache; CI fills it and fails without it.
    describe.skip(name, body);
    return;
  }
  describe(name, () => {
    beforeAll(() => {
      if (!jms.ok) throw new Error(jms.problem);
    });
    body();
  });
}

export interface MavenRun {
  code: number | null;
  output: string;
}

/** `jms.sh test URL`: the whole suite, offline; killed at `ms`. */
export function runJmsSuite(url: string, ms: number): Promise<MavenRun> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT, 'test', url],
      { timeout: ms, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
}

export interface SurefireCounts {
  suites: number;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** Sums of every target/surefire-reports/TEST-*.xml (jms.sh removes old reports before a run). */
export function surefireCounts(): SurefireCounts {
  const dir = join(JMS_PROJECT, 'target', 'surefire-reports');
  const counts: SurefireCounts = { suites: 0, tests: 0, failures: 0, errors: 0, skipped: 0 };
  if (!existsSync(dir)) return counts;
  for (const file of readdirSync(dir).filter((name) => /^TEST-.*\.xml$/.test(name))) {
    const root = /<testsuite\b[^>]*>/.exec(readFileSync(join(dir, file), 'utf8'))?.[0] ?? '';
    counts.suites++;
    counts.tests += attribute(root, 'tests');
    counts.failures += attribute(root, 'failures');
    counts.errors += attribute(root, 'errors');
    counts.skipped += attribute(root, 'skipped');
  }
  return counts;
}

function attribute(element: string, name: string): number {
  const match = new RegExp(`\\s${name}="(\\d+)"`).exec(element);
  return match ? Number(match[1]) : Number.NaN;
}

/** The JUnit tests written in the suite's sources: what a complete run must report. */
export function writtenJmsTests(): number {
  let count = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.java')) count += readFileSync(path, 'utf8').match(/^\s*@Test\b/gm)?.length ?? 0;
    }
  };
  walk(join(JMS_PROJECT, 'src', 'test', 'java'));
  return count;
}
