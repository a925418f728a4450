/**
 * The verdicts a probe must reach against brokers that get things wrong:
 * a selector echoed and ignored, or dropped, or refused; a dynamic source
 * with no address, or refused; a declare answered as a plain message, a
 * coordinator that ignores rollback, or none at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { probe } from '../../src/probe/index.js';
import { durableCheck } from '../../src/probe/checks/index.js';
import type { CapabilityResult, ProbeReport } from '../../src/probe/index.js';
import { startNaiveBroker } from './naive-broker.js';
import type { NaiveBehaviour, NaiveBroker } from './naive-broker.js';

const brokers: NaiveBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
});

async function probeNaive(behaviour: NaiveBehaviour): Promise<Record<string, CapabilityResult>> {
  const broker = await startNaiveBroker(behaviour);
  brokers.push(broker);
  const report: ProbeReport = await probe(broker.url, { stepTimeoutMs: 2000 });
  return Object.fromEntries(report.capabilities.map((result) => [result.name, result]));
}

describe('probe against a naive broker', () => {
  it('like the Proton C++/Python examples: selector ignored, no dynamic address, declare accepted as a message (fake)', async () => {
    const results = await probeNaive({ selector: 'echo', dynamic: 'no-address', coordinator: 'as-message' });
    expect(results['at-least-once'].status).toBe('yes');
    expect(results.selector).toEqual({
      name: 'selector',
      status: 'ignored',
      detail: 'filter echoed but not applied: received red, green, red, green',
    });
    expect(results.dynamic).toEqual({
      name: 'dynamic',
      status: 'no',
      detail: 'dynamic source attached, but no address was returned',
    });
    expect(results['selector-depth']).toEqual({
      name: 'selector-depth',
      status: 'n/a',
      detail: 'the selector is not applied (a red message arrived first)',
    });
    expect(results.transactions.status).toBe('fake');
    expect(results.transactions.detail).toBe('declare answered with accepted, not declared: no transaction exists');
    expect(results['anonymous-relay'].status).toBe('no');
    expect(results['anonymous-relay'].detail).toMatch(/^not offered; anonymous sender refused: amqp:not-implemented/);
  });

  it('a declare that works but a rollback that does not: fake', async () => {
    const results = await probeNaive({ selector: 'drop', dynamic: 'refuse', coordinator: 'ignore-txn' });
    expect(results.transactions).toEqual({
      name: 'transactions',
      status: 'fake',
      detail: 'txn-id "naive-txn"; declared, but the rolled-back message arrived',
    });
    expect(results.selector.status).toBe('no');
    expect(results.selector.detail).toMatch(/^filter not echoed in the attach; received red, green, red, green$/);
    expect(results.dynamic).toEqual({
      name: 'dynamic',
      status: 'refused',
      detail: 'amqp:not-implemented: naive broker: no dynamic nodes',
    });
  });

  it('refusals keep their condition', async () => {
    const results = await probeNaive({ selector: 'refuse', dynamic: 'refuse', coordinator: 'refuse' });
    expect(results.selector).toEqual({
      name: 'selector',
      status: 'refused',
      detail: 'attach with selector refused: amqp:invalid-field: naive broker: no filters',
    });
    expect(results.transactions).toEqual({
      name: 'transactions',
      status: 'refused',
      detail: 'coordinator attach refused: amqp:not-implemented: naive broker: no coordinator',
    });
  });

  it('every arrival ~45 ms after its acceptance (as with Nagle on the broker): round-trip no, naming the floor and tcpNoDelay', async () => {
    const results = await probeNaive({
      selector: 'echo',
      dynamic: 'refuse',
      coordinator: 'refuse',
      dispatchDelayMs: 45,
    });
    expect(results['at-least-once'].status).toBe('yes');
    expect(results['round-trip'].status, results['round-trip'].detail).toBe('no');
    expect(results['round-trip'].detail).toMatch(
      /^every message reached the receiver at least \d+ ms after it was accepted: a ~40 ms floor, .*transport\.tcpNoDelay=true/,
    );
  });

  it('arrivals as soon as accepted: round-trip yes', async () => {
    const results = await probeNaive({ selector: 'echo', dynamic: 'refuse', coordinator: 'refuse' });
    expect(results['round-trip'].status, results['round-trip'].detail).toBe('yes');
    expect(results['round-trip'].detail).toMatch(/^send -> accepted min [\d.]+ ms, send -> received min [\d.]+ ms/);
  });

  it('a sending link closed with a send outstanding: refused at once, with the condition, not a step timeout', async () => {
    const broker = await startNaiveBroker({
      selector: 'echo',
      dynamic: 'refuse',
      coordinator: 'refuse',
      durable: 'close-link',
    });
    brokers.push(broker);
    // A step timeout far beyond the test's own: waiting it out fails the test instead of passing slowly.
    const report = await probe(broker.url, { stepTimeoutMs: 120_000, checks: [durableCheck] });
    expect(report.capabilities).toEqual([
      {
        name: 'durable',
        status: 'refused',
        detail:
          'the broker closed the sending link with the send outstanding: ' +
          'amqp:precondition-failed: naive broker: no durable store',
      },
    ]);
  }, 30_000);
});
