/**
 * The shape of the code (docs/ARCHITECTURE.md, "The graph"): each folder imports only what lies below it in the data
 * flow, no import cycle, salvo report and salvo compare never reach rhea, and rhea's private modules and fields are
 * touched in src/amqp/rhea-patches only. The rules are .dependency-cruiser.cjs; this runs them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

function cruise(): { violations: Violation[]; modules: number } {
  const run = spawnSync(
    'node_modules/.bin/depcruise',
    ['src', 'workers', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const report = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: report.summary.violations, modules: report.summary.totalCruised };
}

describe('the layer graph', () => {
  it('has no import that runs up the data flow, no cycle, and no rhea under report or compare', {
    timeout: 60_000,
  }, () => {
    const { violations, modules } = cruise();
    // A check with nothing to check fails: the cruise must have seen the code.
    expect(modules).toBeGreaterThan(150);
    const lines = violations.map(
      (v) =>
        `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`,
    );
    expect(lines).toEqual([]);
  });
});

describe("rhea's internals", () => {
  // dependency-cruiser sees imports; a private field read is a property access, so it is found by its shape.
  const PRIVATE = [
    'rhea/lib/',
    '[.]_draining\\b',
    'local_channel_map',
    'outgoing[.]deliveries',
    '[.]outgoing[.]available[(]',
    '[A-Za-z0-9_)?][.]constructor[?]?[.]composite_type',
    '_get_drain',
    '[.]by_id[(]',
    '(link|sender|receiver)[.]delivery_count\\b',
    '[.]remote[.](attach|open|detach)\\b',
  ];

  it('are read only in src/amqp/rhea-patches', () => {
    const hits = PRIVATE.flatMap((pattern) => {
      let out = '';
      try {
        out = execFileSync('grep', ['-rnE', '--include=*.ts', pattern, 'src', 'workers'], { encoding: 'utf8' });
      } catch {
        return []; // grep exits 1 when nothing matches
      }
      return out.split('\n').filter((line) => line !== '' && !line.startsWith('src/amqp/rhea-patches/'));
    });
    expect(hits).toEqual([]);
  });
});
