/**
 * Every place where salvo reaches into rhea beyond its public API lives in this folder, so that
 * an upgrade of rhea breaks here (and in test/amqp/rhea-patches.test.ts) only. One file per
 * patch, each a RheaPatch (its name, its targets, apply); accessors.ts and forget-deliveries.ts
 * read and settle through private fields without changing rhea. rhea-lib.ts loads rhea's
 * private modules, once.
 *
 * Patches are per thread, and a thread switches on what it needs through one setup below.
 * Two are applied where they are needed, in any thread, since they are safe anywhere:
 * saslMechanisms (by connect.ts, which reports the offer) and transactionTypes (by the first
 * transaction controller; non-transactional clients keep rhea's own transfer path).
 */
import { abortedTransfers } from './aborted-transfers.js';
import { accessors } from './accessors.js';
import { attachBeforeTransfers } from './attach-before-transfers.js';
import { directTransfers } from './direct-transfers.js';
import { dispositionRanges } from './disposition-ranges.js';
import { drainEcho } from './drain-echo.js';
import { eventDispatch } from './event-dispatch.js';
import { forgetDeliveries } from './forget-deliveries.js';
import { hostilePeers } from './hostile-peers.js';
import { incomingDeliveries } from './incoming-deliveries.js';
import { outgoingDeliveries } from './outgoing-deliveries.js';
import type { RheaPatch, RheaReach } from './patch.js';
import { pooledFrames } from './pooled-frames.js';
import { passOutput } from './pass-output.js';
import { rawPayloads, rawPayloadViews } from './raw-payloads.js';
import { saslMechanisms } from './sasl-mechanisms.js';
import { splitDispositions } from './split-dispositions.js';
import { transactionTypes } from './transaction-types.js';
import { transferReader } from './transfer-reader.js';
import { writeCoalescing } from './write-coalescing.js';

/**
 * The one rhea release these patches were written and tested against. package.json pins it
 * exactly; a test fails when the installed rhea differs, so an upgrade is a deliberate act
 * that re-reads every patch in this folder.
 */
export const PATCHED_RHEA_VERSION = '3.0.5';

/**
 * Every patch, in the order setupBrokerThread applies them (two wrap Session#on_transfer;
 * incomingDeliveries replaces Incoming#on_transfer, which abortedTransfers then wraps).
 */
export const PATCHES: readonly RheaPatch[] = [
  transferReader,
  incomingDeliveries,
  rawPayloads,
  rawPayloadViews,
  writeCoalescing,
  pooledFrames,
  passOutput,
  directTransfers,
  outgoingDeliveries,
  transactionTypes,
  splitDispositions,
  dispositionRanges,
  eventDispatch,
  attachBeforeTransfers,
  drainEcho,
  abortedTransfers,
  hostilePeers,
  saslMechanisms,
];

/** Every file's reach into rhea, the patches and the helpers that change nothing. */
export const REACHES: readonly RheaReach[] = [...PATCHES, accessors, forgetDeliveries];

/**
 * A thread that hosts nothing but the broker: transfers read from their bytes and filed without
 * closures, raw payload copies (it forwards bytes), one socket write per pass, frames encoded
 * through one scratch buffer, transfers written straight from their fields, outgoing deliveries
 * without a closure each, the transaction types, settlements as exact disposition ranges (never
 * merged across outcomes), events passed up without debug calls, attaches ahead of transfers,
 * drains always answered, aborted transfers discarded, and the hardening
 * against hostile peers (frame limit: refuseFramesOver).
 */
export function setupBrokerThread(): void {
  // First: abortedTransfers wraps the Incoming#on_transfer that incomingDeliveries puts in place.
  transferReader.apply();
  incomingDeliveries.apply();
  rawPayloads.apply();
  writeCoalescing.apply();
  pooledFrames.apply();
  passOutput.apply();
  directTransfers.apply();
  outgoingDeliveries.apply();
  // Before hostilePeers: its check of a transfer's link comes ahead of the transfer state's decoding.
  transactionTypes.apply();
  // Exact ranges (what splitDispositions fixes, without its slices).
  dispositionRanges.apply();
  eventDispatch.apply();
  attachBeforeTransfers.apply();
  drainEcho.apply();
  abortedTransfers.apply();
  hostilePeers.apply();
}

/**
 * A worker thread that hosts only its own client connections: events passed up without debug
 * calls, one socket write per rhea pass, frames pooled, transfers written straight from their
 * fields, outgoing deliveries without a closure each.
 */
export function setupClientThread(): void {
  eventDispatch.apply();
  writeCoalescing.apply();
  pooledFrames.apply();
  passOutput.apply();
  directTransfers.apply();
  outgoingDeliveries.apply();
}

/**
 * A client thread whose receivers read stamps from the raw bytes synchronously and keep nothing;
 * transfers are read from their bytes and filed without closures.
 */
export function setupReceiverThread(): void {
  transferReader.apply();
  incomingDeliveries.apply();
  // Exact ranges: a foreign message's modified outcome must not absorb the accept of the next one.
  dispositionRanges.apply();
  rawPayloadViews.apply();
  setupClientThread();
}

/** Record what each server offers in SASL (observation only; any thread). */
export function observeSaslMechanisms(): void {
  saslMechanisms.apply();
}

/** Teach this thread's rhea the transaction types (any thread; ordinary traffic is unchanged). */
export function enableTransactionTypes(): void {
  transactionTypes.apply();
}

export { installedRheaVersion } from './rhea-lib.js';
export { decodeMessage, encodeMessage } from './raw-payloads.js';
export { offeredSaslMechanisms, usedSaslMechanism } from './sasl-mechanisms.js';
export { markTransactionalTransfer, setLocalTarget, TRANSFER_STATE_INDEX } from './transaction-types.js';
export { DELIVERY_ABORTED_EVENT } from './aborted-transfers.js';
export { refuseFramesOver, writeClose } from './hostile-peers.js';
export { encodeFrame, encodeFrames } from './pooled-frames.js';
export { readTransferFrame, TransferFields } from './transfer-reader.js';
export { IncomingDelivery } from './incoming-deliveries.js';
export { abandonDeliveries, abandonDelivery, forgetDelivery, unsentDeliveries } from './forget-deliveries.js';
export {
  creditLimit,
  creditOf,
  deliveryById,
  deliveryCountOf,
  destroySocket,
  detachClosed,
  isDraining,
  linksOf,
  localAttachOf,
  observeLink,
  outcomeOf,
  sessionEnded,
  sessionCapacity,
  sessionRoom,
  sessionsOf,
  socketOf,
  stateName,
} from './accessors.js';
export type { DeliveryStateName, LocalAttachFields } from './accessors.js';
export type { RheaPatch, RheaReach } from './patch.js';
