/** Bounded waits: every promise a test awaits ends, one way or the other, within its limit. */
import type { EventEmitter } from 'node:events';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The first `event` on `emitter` (whose arguments satisfy `accept`, if given). */
export function waitForEvent<T = unknown>(
  emitter: EventEmitter,
  event: string,
  ms = 5000,
  accept: (value: T) => boolean = () => true,
): Promise<T> {
  let listener: ((value: T) => void) | undefined;
  const fired = new Promise<T>((resolve) => {
    listener = (value: T): void => {
      if (!accept(value)) return;
      emitter.off(event, listener as (value: T) => void);
      resolve(value);
    };
    emitter.on(event, listener);
  });
  return within(fired, ms, `event ${event}`).finally(() => emitter.off(event, listener as (value: T) => void));
}

/** Polls `condition` until it holds (returns its truthy value) or `ms` pass. */
export async function until<T>(
  condition: () => T | Promise<T>,
  ms = 5000,
  what = 'condition',
  every = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}
