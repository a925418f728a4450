/** The ledger: per-message delivery records and the checker's verdict. */
export { Bitset, MAX_SEQ, range } from './bitset.js';
export { decodeBits, encodeBits } from './encoding.js';
export {
  SenderLedger,
  SendTimes,
  decodeSenderLedger,
  type SenderLedgerWire,
  type SenderRecord,
} from './sender-ledger.js';
export {
  RECEIVED_PAST_TTL_GRACE_US,
  ReceiverLedger,
  WorkerArrivals,
  decodeArrivals,
  type ReceiverLedgerWire,
  type ProducerArrivalsWire,
} from './receiver-ledger.js';
export {
  checkDecoded,
  checkLedgers,
  mergeArrivals,
  mergeReceivers,
  sumSubscriptions,
  type DecodedLedgers,
  type MergedArrivals,
} from './checker.js';
export { LedgerFold } from './fold.js';
export {
  CATEGORIES,
  FAILS,
  judge,
  MAX_EXAMPLES,
  TRANSACTIONAL_ONLY,
  TTL_ONLY,
  type Category,
  type LedgerMode,
  type MessageRef,
  type SubscriptionCounts,
  type Verdict,
} from './verdict.js';
export { batchOf, batchStart, linkHash, rollsBack, type TxDecider } from './batches.js';
export { matchingOf, SelectionTally, type SelectionCounts, type Selects } from './selection.js';
