/**
 * How long a client waits before each attempt to reconnect: exponential from
 * RECONNECT_FIRST_MS, capped at RECONNECT_MAX_MS, with "equal jitter" (each
 * wait drawn from its upper half) so that the connections of many workers
 * cut by one reset do not all knock at the broker in the same millisecond,
 * yet none comes back sooner than half its step. Pure, so the bounds can be
 * tested; the random source is passed in.
 */

export const RECONNECT_FIRST_MS = 50;
export const RECONNECT_MAX_MS = 2_000;

/** The wait before attempt `attempt` (0-based), in ms. */
export function reconnectDelayMs(attempt: number, random: () => number): number {
  const step = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (step / 2) * random());
}

/**
 * A failed connect worth trying again while reconnecting is on: the socket
 * was refused, reset or closed before the open (a broker restarting, a fault
 * proxy resetting). Not a TLS, SASL or name failure: trying again would only
 * delay the one-line error by the give-up bound.
 */
export function isTransientConnectFailure(message: string): boolean {
  return /connection (refused|reset by the peer|closed by the peer)|no answer within/.test(message);
}
