/** Fault injection: the spec, its timeline, the proxy and its thread, the run's fault log. */
export { FaultSpecError, parseFaultSpec } from './spec.js';
export type { Fault, FaultDirection, FaultPlan, FaultTiming, StandingFault, TimedFault } from './spec.js';
export { MAX_FAULT_EVENTS, faultTimeline, mulberry32, splitTimeline } from './schedule.js';
export type { BrokerEvent, FaultEvent, ProxyEvent } from './schedule.js';
export { FaultLog, formatFaultLine, isInjected } from './log.js';
export type { ClientEvent } from './log.js';
export { FaultProxy } from './proxy.js';
export type { FaultAction, FaultProxyOptions, FaultRecord } from './proxy.js';
export { startProxyThread } from './proxy-thread.js';
export type { ProxyThread } from './proxy-thread.js';
export { parseFaultsVia, standingToxics, startToxiproxy } from './toxiproxy.js';
export type { FaultsVia, StandingToxics, Toxic, ToxiproxyOptions, ToxiproxyThread } from './toxiproxy.js';
