/** Fault injection building blocks (not wired into `salvo run` yet). */
export { FaultSpecError, parseFaultSpec } from './spec.js';
export type { Fault, FaultDirection, FaultPlan, FaultTiming, StandingFault, TimedFault } from './spec.js';
export { MAX_FAULT_EVENTS, faultTimeline, mulberry32 } from './schedule.js';
export type { FaultEvent } from './schedule.js';
export { FaultProxy } from './proxy.js';
export type { FaultAction, FaultProxyOptions, FaultRecord } from './proxy.js';
export { startProxyThread } from './proxy-thread.js';
export type { ProxyThread } from './proxy-thread.js';
export { parseFaultsVia, standingToxics, startToxiproxy } from './toxiproxy.js';
export type { FaultsVia, StandingToxics, Toxic, ToxiproxyOptions, ToxiproxyThread } from './toxiproxy.js';
