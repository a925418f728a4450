/** The probe's public surface: run it, format it, and the types it returns. */
export { probe, DEFAULT_STEP_TIMEOUT_MS, type ProbeOptions } from './probe.js';
export { formatJson, formatTable } from './format.js';
export { CHECKS } from './checks/index.js';
export { RABBITMQ_PREFIX, defaultAddressPrefix } from './addresses.js';
export {
  CAPABILITY_STATUSES,
  PROBE_SCHEMA,
  type BrokerIdentity,
  type CapabilityResult,
  type CapabilityStatus,
  type Check,
  type CheckOutcome,
  type ProbeContext,
  type ProbeReport,
} from './types.js';
