/**
 * Fault injection's runtime: the proxy and its thread, toxiproxy, the run's fault log. The grammar is
 * src/plan/fault-spec.ts.
 */
export { FaultLog } from './log.js';
export type { ClientEvent } from './log.js';
export { FaultProxy } from './proxy.js';
export type { FaultAction, FaultProxyOptions, FaultRecord } from './proxy.js';
export { startProxyThread } from './proxy-thread.js';
export type { ProxyThread } from './proxy-thread.js';
export { standingToxics, startToxiproxy } from './toxiproxy.js';
export type { StandingToxics, Toxic, ToxiproxyOptions, ToxiproxyThread } from './toxiproxy.js';
