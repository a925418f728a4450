/**
 * salvo's layering (docs/ARCHITECTURE.md, "The graph"): each folder imports only
 * what lies below it in the data flow. Type-only imports count. Checked by
 * test/architecture/layers.test.ts and `npm run lint`.
 */
const LOWER_BOUND = {
  // The table: folder -> folders it must not import (src/<name>).
  metrics: ['plan', 'amqp', 'broker', 'coordinator', 'faults', 'ledger', 'results', 'report', 'compare', 'capacity', 'probe', 'cli'],
  plan: ['amqp', 'broker', 'coordinator', 'faults', 'ledger', 'results', 'report', 'compare', 'capacity', 'probe', 'cli'],
  ledger: ['amqp', 'broker', 'coordinator', 'faults', 'results', 'report', 'compare', 'capacity', 'probe', 'cli'],
  amqp: ['broker', 'coordinator', 'faults', 'results', 'report', 'compare', 'capacity', 'probe', 'cli'],
  broker: ['coordinator', 'faults', 'results', 'report', 'compare', 'capacity', 'probe', 'cli'],
  faults: ['broker', 'coordinator', 'results', 'report', 'compare', 'capacity', 'probe', 'cli'],
  probe: ['broker', 'coordinator', 'faults', 'results', 'report', 'compare', 'capacity', 'cli'],
  results: ['amqp', 'broker', 'coordinator', 'faults', 'report', 'compare', 'capacity', 'probe', 'cli'],
  report: ['amqp', 'broker', 'coordinator', 'faults', 'compare', 'capacity', 'probe', 'cli'],
  compare: ['amqp', 'broker', 'coordinator', 'faults', 'capacity', 'probe', 'cli'],
  coordinator: ['cli', 'capacity', 'compare'],
  // Shards meeting over the broker (start barrier, clock offset): above amqp, below the coordinator.
  rendezvous: ['broker', 'coordinator', 'faults', 'results', 'report', 'compare', 'capacity', 'probe', 'cli'],
  // The leaves the re-layering made: messages between coordinator and workers, what a message
  // carries (checksum, generated property values). Leaves with no salvo import at all are below.
  protocol: ['amqp', 'broker', 'coordinator', 'faults', 'results', 'report', 'compare', 'capacity', 'probe', 'cli', 'content'],
  content: ['metrics', 'amqp', 'broker', 'coordinator', 'faults', 'ledger', 'results', 'report', 'compare', 'capacity', 'probe', 'cli', 'protocol'],
};
const WORKERS_MUST_NOT = ['coordinator', 'cli', 'results', 'report', 'compare', 'capacity', 'probe', 'broker', 'faults'];
/** Leaves: import nothing of salvo but themselves and src/errors.ts. */
const LEAVES = ['selector', 'timing', 'collections', 'runtime'];
/** Commands above the coordinator: nothing below may import them. */
const COMMANDS = ['calibrate', 'verify'];
for (const [folder, forbidden] of Object.entries(LOWER_BOUND)) if (folder !== 'coordinator') forbidden.push(...COMMANDS);
LOWER_BOUND.coordinator.push(...COMMANDS);
WORKERS_MUST_NOT.push(...COMMANDS);
// The ledger reads what a message carries (content) but lies below the protocol that ships its bitsets.
for (const lower of ['metrics', 'plan', 'ledger']) LOWER_BOUND[lower].push('protocol');
for (const lower of ['metrics', 'plan']) LOWER_BOUND[lower].push('content');
for (const lower of ['metrics', 'plan', 'ledger', 'amqp', 'broker', 'faults', 'probe', 'results', 'report', 'compare', 'protocol', 'content'])
  LOWER_BOUND[lower].push('rendezvous');

const folders = (names) => `^src/(${names.join('|')})/`;

const layerRules = Object.entries(LOWER_BOUND).map(([folder, forbidden]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder} lies below ${forbidden.join(', ')} in the data flow`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: folders(forbidden) },
}));

const leafRules = LEAVES.map((leaf) => ({
  name: `leaf-${leaf}`,
  comment: `src/${leaf} is a leaf: it imports nothing of salvo but src/errors.ts`,
  severity: 'error',
  from: { path: `^src/${leaf}/` },
  to: { path: '^(src|workers)/', pathNot: `^src/(${leaf}/|errors[.]ts$)` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    ...leafRules,
    {
      name: 'layer-workers',
      comment: 'workers touch messages; they import the protocol, plan, metrics, ledger and amqp only',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: folders(WORKERS_MUST_NOT) },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'readers-never-load-rhea',
      comment: 'salvo report and salvo compare read results only: nothing they load may reach rhea',
      severity: 'error',
      from: { path: '^src/(report|compare)/' },
      to: { path: '^node_modules/rhea/', reachable: true },
    },
    {
      name: 'rhea-internals-in-one-folder',
      comment: "rhea's private modules are patched in src/amqp/rhea-patches only",
      severity: 'error',
      from: { pathNot: '^src/amqp/rhea-patches/' },
      // lib/container.js is rhea's public entry ('rhea'); every other module of lib/ is private
      to: { path: '^node_modules/rhea/lib/', pathNot: '^node_modules/rhea/lib/container[.]js$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|workers|node_modules/rhea)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
