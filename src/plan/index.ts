// The plan: command-line options in, one validated, normalised Plan out.
export { PlanError } from './errors.js';
export {
  MAX_BODY_SIZE_BYTES,
  PLAN_DEFAULTS,
  defaultedAddressNote,
  newRunId,
  redactPlan,
  resolvePlan,
  splitEvenly,
  splitRate,
  type EmbeddedTarget,
  type Plan,
  type ForeignPolicy,
  type Settle,
  type UrlTarget,
} from './plan.js';
export type { PlanInput, ProfileSecurity, RawPhase } from './input.js';
export {
  sideUrlIndex,
  urlList,
  urlWithPassword,
  type EnvPassword,
  type PlannedSides,
  type Side,
  type SideUrl,
  type TlsFlagNames,
} from './targets.js';
export { formatTags } from './tags.js';
export { CLOSED_LOOP_FAULT_HORIZON_MS, faultHorizonMs, type PlannedFaults } from './fault-options.js';
export { MAX_PRIORITY, MAX_TTL_MS, type MessageHeaderPlan, type PriorityPlan } from './message-header.js';
export { RPC_DEFAULTS, resolveRpc, type RpcPlan } from './rpc-options.js';
export { MAX_SUBSCRIPTIONS, resolveTopic, subscriptionOfLink, type TopicPlan } from './topic-options.js';
export { MAX_TX_SIZE, type TxAction, type TxPlan } from './transaction-options.js';
export { parseCount, parseDurationMs, parseRateHz, parseSizeBytes, type RawNumber } from './units.js';
export { DEFAULT_PORTS, parseAmqpUrl, redactUrl, type AmqpUrl, type ParseUrlOptions } from './url.js';
export { FaultSpecError, parseFaultSpec } from './fault-spec.js';
export type { Fault, FaultDirection, FaultPlan, FaultTiming, StandingFault, TimedFault } from './fault-spec.js';
export { MAX_FAULT_EVENTS, faultTimeline, mulberry32, splitTimeline } from './fault-timeline.js';
export type { BrokerEvent, FaultEvent, ProxyEvent } from './fault-timeline.js';
export { parseFaultsVia, type FaultsVia } from './fault-options.js';
export {
  OBJECTIVE_KINDS,
  OBJECTIVE_PERCENTILES,
  OBJECTIVE_RATES,
  checkMeasured,
  objectiveMetric,
  parseObjective,
  parseObjectives,
  whyUnmeasured,
  type Measures,
  type Objective,
  type ObjectiveKind,
  type ObjectivePercentile,
  type ObjectiveRate,
} from './objectives.js';
