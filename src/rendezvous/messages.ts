/**
 * What shards say to each other over the broker's control addresses, as
 * plain values. These messages come off a broker anyone may write to, so
 * `readControl` accepts only a well-formed message of this run and ignores
 * the rest (a stale run's leftovers, another tool's messages).
 */

/** Sent by every shard to shard 0 once its links are attached and its clock offset estimated. */
export interface ReadyMessage {
  readonly kind: 'ready';
  readonly index: number;
  /** Random per process: two processes for one index (Kubernetes can run two pods) show two nonces. */
  readonly nonce: string;
  readonly planHash: string;
  readonly host: string;
  /** The sender's wall clock when it sent this, µs since the epoch. */
  readonly wallUs: number;
  /** Its estimated offset to shard 0's wall clock (shard 0 minus this shard), µs, and the bound. */
  readonly offsetUs: number;
  readonly offsetBoundUs: number;
}

/** Shard 0 to every shard: start at this instant of shard 0's clock. */
export interface GoMessage {
  readonly kind: 'go';
  readonly startAtUs: number;
  /** The nonce each index was admitted with: a shard that finds another nonce for its index is not part of this run. */
  readonly nonces: readonly string[];
  /**
   * Every shard's clock offset to shard 0 and its bound (µs, by index, as each reported it): receivers correct the
   * end-to-end latency of a message sent on another shard by the two shards' offsets.
   */
  readonly offsetsUs: readonly number[];
  readonly boundsUs: readonly number[];
}

export interface AbortMessage {
  readonly kind: 'abort';
  readonly reason: string;
}

/** A clock sample request: `sentUs` on the asking shard's wall clock. */
export interface PingMessage {
  readonly kind: 'ping';
  readonly index: number;
  readonly nonce: string;
  readonly sentUs: number;
  /** The asking process's host: shard 0 names both when two processes claim one index. */
  readonly host: string;
}

/** Shard 0's answer: the ping's own `sentUs` back, and shard 0's wall clock when it answered. */
export interface PongMessage {
  readonly kind: 'pong';
  readonly nonce: string;
  readonly pingSentUs: number;
  readonly leaderUs: number;
}

/** A shard's senders have finished: every message it will send has been sent. */
export interface SentMessage {
  readonly kind: 'sent';
  readonly index: number;
  readonly nonce: string;
}

/** Shard 0: every shard's senders have finished, so receivers may start their drain time-out. */
export interface AllSentMessage {
  readonly kind: 'all-sent';
}

/** One piece of a shard's final result (its result.json text), for shard 0 to merge. */
export interface ResultChunkMessage {
  readonly kind: 'result-chunk';
  readonly index: number;
  readonly nonce: string;
  readonly part: number;
  readonly parts: number;
  readonly text: string;
}

export type ControlMessage =
  | ResultChunkMessage
  | ReadyMessage
  | GoMessage
  | AbortMessage
  | PingMessage
  | PongMessage
  | SentMessage
  | AllSentMessage;

/** The envelope: every control message names its run, so one control address can serve runs one after another. */
export interface ControlEnvelope {
  readonly salvoControl: 1;
  readonly runId: string;
  readonly message: ControlMessage;
}

export function encodeControl(runId: string, message: ControlMessage): string {
  const envelope: ControlEnvelope = { salvoControl: 1, runId, message };
  return JSON.stringify(envelope);
}

/** The message if `body` is a well-formed control message of `runId`, else undefined. */
export function readControl(body: unknown, runId: string): ControlMessage | undefined {
  if (typeof body !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed.salvoControl !== 1 || parsed.runId !== runId) return undefined;
  const message = parsed.message;
  return isRecord(message) && isControlMessage(message) ? message : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= 512;
const isNumbers = (v: unknown, length: number): v is number[] =>
  Array.isArray(v) && v.length === length && v.every(isNumber);

/** A result chunk's text, at most this many UTF-16 units: small enough for any broker's frame and message limits. */
export const RESULT_CHUNK_CHARS = 32 * 1024;

function isControlMessage(m: Record<string, unknown>): m is ControlMessage & Record<string, unknown> {
  switch (m.kind) {
    case 'ready':
      return (
        isInt(m.index) &&
        isText(m.nonce) &&
        isText(m.planHash) &&
        isText(m.host) &&
        isNumber(m.wallUs) &&
        isNumber(m.offsetUs) &&
        isNumber(m.offsetBoundUs)
      );
    case 'go':
      return (
        isNumber(m.startAtUs) &&
        Array.isArray(m.nonces) &&
        m.nonces.every(isText) &&
        isNumbers(m.offsetsUs, m.nonces.length) &&
        isNumbers(m.boundsUs, m.nonces.length)
      );
    case 'abort':
      return isText(m.reason);
    case 'ping':
      return isInt(m.index) && isText(m.nonce) && isNumber(m.sentUs) && isText(m.host);
    case 'pong':
      return isText(m.nonce) && isNumber(m.pingSentUs) && isNumber(m.leaderUs);
    case 'sent':
      return isInt(m.index) && isText(m.nonce);
    case 'all-sent':
      return true;
    case 'result-chunk':
      return (
        isInt(m.index) &&
        isText(m.nonce) &&
        isInt(m.part) &&
        isInt(m.parts) &&
        m.part >= 0 &&
        m.part < (m.parts as number) &&
        typeof m.text === 'string' &&
        m.text.length <= RESULT_CHUNK_CHARS
      );
    default:
      return false;
  }
}
