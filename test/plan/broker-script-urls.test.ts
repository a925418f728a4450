/**
 * The URLs scripts/brokers/*.sh print on `start` are pasted into every command that takes a URL: each must be
 * accepted as printed. run, capacity and calibrate read a URL through resolvePlan, probe through parseAmqpUrl.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAN_DEFAULTS, parseAmqpUrl, resolvePlan } from '../../src/plan/index.js';
import { ROOT } from '../helpers/paths.js';

const SCRIPTS = [
  ...readdirSync(join(ROOT, 'scripts', 'brokers'))
    .filter((name) => name.endsWith('.sh'))
    .map((name) => join('scripts', 'brokers', name)),
  join('scripts', 'faults', 'toxiproxy.sh'),
];

/** Every `echo "amqp...://..."` line of a script, its `$VAR`s replaced by its defaults (`VAR=${ENV:-5673}`). */
function printedUrls(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const defaults = new Map<string, string>();
  for (const [, name, value] of text.matchAll(/^([A-Z_]+)=\$\{[A-Z_]+:-([^}]*)\}$/gm)) defaults.set(name, value);
  return [...text.matchAll(/^\s*echo "(amqps?:\/\/[^"]*)"$/gm)].map(([, url]) =>
    url.replace(/\$\{?([A-Z_]+)\}?/g, (_, name: string) => defaults.get(name) ?? `<unset ${name}>`),
  );
}

describe('the URLs the broker scripts print', () => {
  const printed = SCRIPTS.flatMap((file) => printedUrls(file).map((url) => [file, url] as const));

  it('are found: two per broker script (amqp and amqps), none from toxiproxy (it prints its HTTP API)', () => {
    expect(printed.filter(([file]) => file.includes('brokers')).length).toBe(
      2 * SCRIPTS.filter((f) => f.includes('brokers')).length,
    );
    expect(printed.filter(([file]) => file.includes('toxiproxy'))).toEqual([]);
    for (const [, url] of printed) expect(url).toMatch(/^amqps?:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each(printed)('%s prints %s: run, capacity and calibrate take it with the default address', (_, url) => {
    const plan = resolvePlan({ url, runId: 'script-url' });
    expect(plan.address).toBe(PLAN_DEFAULTS.address);
    expect(plan.target).toMatchObject({ kind: 'url', addressDefaulted: true });
  });

  it.each(printed)('%s prints %s: probe takes it', (_, url) => {
    expect(() => parseAmqpUrl(url, { option: 'URL' })).not.toThrow();
  });
});
