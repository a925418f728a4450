/** How an embedded broker is configured; plain data so it can cross into its thread. */
import type { ChaosCounts, ChaosOptions } from '../plan/chaos-spec.js';
import { GUARD_DEFAULTS } from './connection-guard.js';
import type { GuardOptions } from './connection-guard.js';

export interface BrokerTlsOptions {
  port: number;
  certFile: string;
  keyFile: string;
  caFile?: string;
  requireClientCert: boolean;
  /** Offer SASL EXTERNAL (the verified client certificate is the identity) on TLS connections with one. */
  saslExternal?: boolean;
}

/** The connection guard's deadlines and cap (connection-guard.ts) are broker options too. */
export interface BrokerOptions extends GuardOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls?: BrokerTlsOptions;
  /** name -> password; when set, SASL PLAIN is required and ANONYMOUS is off. */
  users?: Record<string, string>;
  /** Ready messages per queue above which producers get no more credit; 0 = no limit. */
  maxQueueDepth: number;
  /** Credit window granted to each sending link. */
  linkCredit: number;
  /** Largest message accepted, in bytes, advertised in every attach; 0 = no limit. */
  maxMessageSize: number;
  /**
   * Deliveries each session keeps unsettled in each direction (rhea's ring, 2048 by default).
   * Tests shrink it so that the ring wraps within a few messages.
   */
  sessionBufferSize?: number;
  /**
   * false: the open offers no ANONYMOUS-RELAY (tests of clients that must do without it); anonymous links still work.
   */
  offerAnonymousRelay?: boolean;
  /** An auto-created queue is deleted after staying empty, with no link, this long; 0 keeps queues. */
  idleQueueMs: number;
  /** Faults injected after acceptance, for the checker's self-test (chaos.ts); absent: none. */
  chaos?: ChaosOptions;
}

export const BROKER_DEFAULTS: BrokerOptions = {
  host: '127.0.0.1',
  port: 5672,
  maxQueueDepth: 1_000_000,
  linkCredit: 1000,
  maxMessageSize: 0,
  idleQueueMs: 60_000,
  ...GUARD_DEFAULTS,
};

export interface QueueStats {
  address: string;
  depth: number;
  consumers: number;
  enqueued: number;
  acknowledged: number;
  rejected: number;
  dropped: number;
  returned: number;
  /** Dropped unheard when about to be handed out: past their ttl or absolute-expiry-time. */
  expired?: number;
}

export interface BrokerStats {
  connections: number;
  queues: QueueStats[];
  /** What the broker's chaos did; present only when chaos is on. */
  chaos?: ChaosCounts;
  /** Restarts so far (EmbeddedBroker.restart); every other figure counts from the last one. */
  restarts?: number;
}
