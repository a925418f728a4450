/** Every capability check, in the order the probe runs them and prints them. */
import type { Check } from '../types.js';
import { anonymousRelayCheck } from './anonymous-relay.js';
import { atLeastOnceCheck } from './at-least-once.js';
import { atMostOnceCheck } from './at-most-once.js';
import { connectionCheck } from './connection.js';
import { durableCheck } from './durable.js';
import { fanOutCheck } from './fan-out.js';
import { sharedSubscriptionsCheck } from './shared-subscriptions.js';
import { dynamicCheck } from './dynamic.js';
import { maxFrameSizeCheck } from './max-frame-size.js';
import { maxMessageSizeCheck } from './max-message-size.js';
import { roundTripCheck } from './round-trip.js';
import { saslCheck } from './sasl.js';
import { priorityCheck } from './priority.js';
import { selectorCheck } from './selector.js';
import { selectorDepthCheck } from './selector-depth.js';
import { tlsCheck } from './tls.js';
import { transactionsCheck } from './transactions.js';
import { ttlCheck } from './ttl.js';

export const CHECKS: readonly Check[] = [
  connectionCheck,
  saslCheck,
  tlsCheck,
  maxFrameSizeCheck,
  maxMessageSizeCheck,
  atLeastOnceCheck,
  atMostOnceCheck,
  durableCheck,
  anonymousRelayCheck,
  dynamicCheck,
  selectorCheck,
  selectorDepthCheck,
  transactionsCheck,
  fanOutCheck,
  sharedSubscriptionsCheck,
  ttlCheck,
  priorityCheck,
  roundTripCheck,
];

export {
  anonymousRelayCheck,
  atLeastOnceCheck,
  atMostOnceCheck,
  connectionCheck,
  durableCheck,
  priorityCheck,
  dynamicCheck,
  fanOutCheck,
  maxFrameSizeCheck,
  maxMessageSizeCheck,
  roundTripCheck,
  saslCheck,
  selectorCheck,
  selectorDepthCheck,
  sharedSubscriptionsCheck,
  tlsCheck,
  transactionsCheck,
  ttlCheck,
};
