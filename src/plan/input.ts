/**
 * Options as given, before resolvePlan checks them: the command line's option
 * bag and a profile's keys. Types only, so every module of the plan can name
 * them without importing another's logic.
 */
import type { RawProperties } from './properties.js';
import type { RawTags } from './tags.js';
import type { EnvPassword } from './targets.js';
import type { RawNumber } from './units.js';

/**
 * Options as given: commander's option bag (strings, booleans, undefined) or
 * the same keys from a profile, where YAML may already have made numbers.
 * Nothing here is trusted; resolvePlan checks every field.
 */
export interface PlanInput {
  url?: string;
  count?: RawNumber;
  duration?: RawNumber;
  warmup?: RawNumber;
  senders?: RawNumber;
  receivers?: RawNumber;
  connections?: RawNumber;
  links?: RawNumber;
  addresses?: RawNumber;
  /** A size, a range `100-10k` or weighted sizes `100:80,10k:15` (src/plan/body-sizes.ts). */
  bodySize?: RawNumber;
  /** Slow consumers (src/plan/receive-pacing.ts): a total receive rate, and a processing delay per message. */
  recvRate?: RawNumber;
  recvDelay?: RawNumber;
  msgDurable?: boolean;
  /** --msg-ttl: the header's ttl (src/plan/message-header.ts). */
  msgTtl?: RawNumber;
  /** --msg-priority: a priority 0-9, or a choice of them drawn per message. */
  msgPriority?: RawNumber;
  /** --recv-start-after: receivers take nothing until this long after the start (a late consumer). */
  recvStartAfter?: RawNumber;
  linkAtLeastOnce?: boolean;
  linkAtMostOnce?: boolean;
  credit?: RawNumber;
  maxInFlight?: RawNumber;
  rate?: RawNumber;
  output?: string;
  json?: boolean;
  quiet?: boolean;
  drainTimeout?: RawNumber;
  foreign?: string;
  /** drop=R,dup=R,reorder=R: the embedded broker's faults (checker self-test). */
  brokerChaos?: string;
  /** Seed of the broker's chaos decisions and of --faults' random times. */
  seed?: RawNumber;
  /** Reopen lost connections and resend what was in doubt; default: on when faults are injected. */
  reconnect?: boolean;
  /** How long a connection may stay down before its worker gives up. */
  reconnectGiveUp?: RawNumber;
  /**
   * The fault spec (src/faults/spec.ts): a proxy between clients and the broker injects it; reconnect defaults on with
   * it.
   */
  faults?: string;
  /** External broker: the shell command a broker-restart fault runs. */
  restartCommand?: string;
  /** toxiproxy=http://HOST:8474: an existing toxiproxy injects --faults instead of the built-in proxy. */
  faultsVia?: string;
  /** Send in transactions of N (src/plan/transaction-options.ts), commit or roll back, or roll back a seeded share. */
  txSize?: RawNumber;
  txAction?: string;
  txRollbackRatio?: RawNumber;
  /** Receive with prefetch 0 and accept inside transactions of N; likewise. */
  recvTxSize?: RawNumber;
  recvTxAction?: string;
  recvTxRollbackRatio?: RawNumber;
  /** --msg-property NAME=VALUE (repeatable), or a profile's list or map (src/plan/properties.ts). */
  msgProperty?: RawProperties;
  /** A JMS selector every receiver attaches with (src/plan/selector-options.ts). */
  recvSelector?: string;
  /** --subscriptions N: receivers as N subscriptions of a topic (src/plan/topic-options.ts). */
  subscriptions?: RawNumber;
  /** --durable-subscriptions: the subscriptions outlive their consumers' detach. */
  durableSubscriptions?: boolean;
  /** --pattern rpc (src/plan/rpc-options.ts): requests answered by responders. */
  pattern?: string;
  responders?: RawNumber;
  rpcInFlight?: RawNumber;
  replyTo?: string;
  rpcTimeout?: RawNumber;
  /**
   * --threshold (repeatable), a profile's `thresholds`: objectives the run must meet (src/plan/objectives.ts), else
   * it exits 1.
   */
  threshold?: string[];
  /** A profile's phases (src/plan/phases.ts): they set duration, warm-up and rate. */
  phases?: RawPhase[];
  /** Fixes the run id (tests, reruns into a known folder). */
  runId?: string;
  /** --shards N: the run is spread over N processes; this one runs part --shard-index (src/plan/shards.ts). */
  shards?: RawNumber;
  shardIndex?: RawNumber;
  /** Where shardIndex came from: the flag, or JOB_COMPLETION_INDEX (named so in errors; ignored without --shards). */
  shardIndexFrom?: 'flag' | 'env';
  /** --start-at EPOCH_MS: shards start at this wall-clock instant instead of meeting over the broker. */
  startAt?: RawNumber;
  /** --control-address: where shards meet (default: the run's address + `.salvo-control`). */
  controlAddress?: string;
  /** --shard-timeout: how long shards wait for each other (the start, the end of sending, the results). */
  shardTimeout?: RawNumber;
  /**
   * --metrics-port, --metrics-host: live Prometheus metrics (src/coordinator/metrics-server.ts resolves them; not part
   * of the Plan).
   */
  metricsPort?: RawNumber;
  metricsHost?: string;
  /** The clock the run id is stamped from (tests). */
  now?: Date;
  /** --send-url / --recv-url (repeatable, comma-separated): producers and consumers connect apart (src/plan/targets.ts). */
  sendUrl?: string | string[];
  recvUrl?: string | string[];
  /** --password-env VAR or SALVO_PASSWORD, read by the CLI: the password of a URL that names a user and none. */
  password?: EnvPassword;
  /** --tag KEY=VALUE (repeatable), or a profile's list or mapping (src/plan/tags.ts). */
  tag?: RawTags;
}

/** As a profile gives it (profile-schema.ts has checked the shape). */
export interface RawPhase {
  name?: string;
  duration: RawNumber;
  rate?: RawNumber;
  ramp?: string;
  warmup?: boolean;
}

/**
 * TLS and SASL settings a profile may hold (loadProfileSecurity reads them):
 * not plan options, so they never reach result.json. File paths are relative
 * to the profile's folder. A key password has no place in a file: only the
 * name of the variable holding it (`key-password-env`).
 */
export interface ProfileSecurity {
  ca?: string;
  cert?: string;
  key?: string;
  keyPasswordEnv?: string;
  servername?: string;
  verifyHost?: boolean;
  saslMechanisms?: string;
  /** --password-env: the name of the variable holding the URL's password. */
  passwordEnv?: string;
  /** --send-* / --recv-*: TLS and SASL settings of one side only (src/cli/side-security.ts). */
  sendCa?: string;
  sendCert?: string;
  sendKey?: string;
  sendKeyPasswordEnv?: string;
  sendServername?: string;
  sendSaslMechanisms?: string;
  recvCa?: string;
  recvCert?: string;
  recvKey?: string;
  recvKeyPasswordEnv?: string;
  recvServername?: string;
  recvSaslMechanisms?: string;
}
