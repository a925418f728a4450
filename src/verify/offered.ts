/**
 * Which promises the broker does not offer, from `salvo probe`'s report:
 * a broker that refuses transactions does not break them, it does not offer
 * them. Only a refusal (or a feature plainly absent: no filter echoed, a
 * durable send not accepted, a message size limit below the large
 * messages') makes a promise "not offered"; a feature accepted and then
 * ignored or faked (a selector echoed and not applied, a rolled-back message
 * that arrived) is offered, and its promise runs and is found broken. A
 * check that could not finish decides nothing: the promise runs.
 */
import type { CapabilityResult, ProbeReport } from '../probe/index.js';
import { LARGE_BODY_BYTES } from './promises.js';

/** Room for a large message's header, properties and salvo's stamps beside its body. */
const LARGE_MESSAGE_OVERHEAD_BYTES = 4_096;

/** Promise id -> why the broker does not offer it (one line, with the probe's own words). */
export function notOffered(report: ProbeReport): Map<string, string> {
  const byName = new Map(report.capabilities.map((c) => [c.name, c]));
  const reasons = new Map<string, string>();
  const add = (promise: string, check: string, offered: (c: CapabilityResult) => boolean): void => {
    const c = byName.get(check);
    if (c && !offered(c)) reasons.set(promise, `probe ${check}: ${c.status}, ${c.detail}`);
  };
  add('at-most-once', 'at-most-once', (c) => c.status !== 'refused');
  add('transactions', 'transactions', (c) => c.status !== 'refused');
  add('selectors', 'selector', (c) => c.status !== 'refused' && !(c.status === 'no' && /not echoed/.test(c.detail)));
  add('restart', 'durable', (c) => c.status !== 'refused' && !(c.status === 'no' && /not accepted/.test(c.detail)));
  add('rpc', 'dynamic', (c) => c.status !== 'refused' && !(c.status === 'no' && /no address/.test(c.detail)));
  add('large-messages', 'max-message-size', (c) => {
    const limit = /^(\d+) bytes/.exec(c.detail);
    return limit === null || Number(limit[1]) >= LARGE_BODY_BYTES + LARGE_MESSAGE_OVERHEAD_BYTES;
  });
  return reasons;
}
