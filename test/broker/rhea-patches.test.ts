/** The rhea internals the broker's correctness depends on are still where the patches expect them. */
import { expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { exactDispositionTargets, installedRheaVersion, PATCHED_RHEA_VERSION } from '../../src/amqp/rhea-internals.js';

test(`rhea is exactly ${PATCHED_RHEA_VERSION}, the release every patch in rhea-internals.ts was tested against`, () => {
  expect(installedRheaVersion()).toBe(PATCHED_RHEA_VERSION);
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  // A range (^3.0.5) would let a fresh install pick a release the patches never met.
  expect(manifest.dependencies.rhea).toBe(PATCHED_RHEA_VERSION);
});

test('rhea still has Incoming.process and are_outcomes_equivalent (exact dispositions patch)', () => {
  expect(exactDispositionTargets()).toEqual({ incomingProcess: true, outcomesEquivalent: true });
});

test('rhea senders still keep their deliveries in a ring with by_id (outcomes read at detach)', async () => {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const Session = require('rhea/lib/session.js') as new (connection: object, channel: number) => {
    outgoing: { deliveries: { by_id?: unknown }; available?: unknown };
  };
  const session = new Session({ options: {} }, 0);
  expect(typeof session.outgoing.deliveries.by_id).toBe('function');
  expect(typeof session.outgoing.available).toBe('function');
});

test('rhea senders still answer drain through Sender#_get_drain (drain answers patch)', async () => {
  const { drainPatchTarget } = await import('../../src/amqp/rhea-internals.js');
  expect(drainPatchTarget()).toBe(true);
});

test('rhea still files incoming transfers through Incoming#on_transfer (aborted transfers patch)', async () => {
  const { abortedTransfersTarget } = await import('../../src/amqp/rhea-internals.js');
  expect(abortedTransfersTarget()).toBe(true);
});

test('rhea still has what hardenAgainstHostilePeers patches (disposition ranges, drain, compound headers, read, SASL server, begin/attach/transfer)', async () => {
  const { hardeningTargets } = await import('../../src/amqp/rhea-internals.js');
  expect(hardeningTargets()).toEqual({
    onDisposition: true,
    ringEnds: true,
    transportRead: true,
    saslServer: true,
    writeClose: true,
    senderDrain: true,
    compoundHeaders: true,
    onBeginAttach: true,
  });
});
