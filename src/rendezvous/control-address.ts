/**
 * The addresses shards talk on, derived from the run's address so that they
 * have the form the broker requires (RabbitMQ's `/queue/NAME`: the suffix
 * goes on the last segment), or given outright with --control-address.
 * Each shard reads its own inbox: `<base>.<index>`; shard 0's is where READY,
 * PING and SENT go.
 */

const SUFFIX = '.salvo-control';

/** The base control address of a run on `runAddress`, unless `override` names one. */
export function controlBase(runAddress: string, override?: string): string {
  return override ?? `${runAddress}${SUFFIX}`;
}

/** Shard `index`'s inbox under `base`. */
export function inboxOf(base: string, index: number): string {
  return `${base}.${index}`;
}
