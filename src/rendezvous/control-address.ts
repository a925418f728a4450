/**
 * Each shard reads its own inbox under the run's control address (the plan
 * derives it from the run's address, or --control-address names it):
 * `<base>.<index>`. Shard 0's is where READY, PING, SENT and results go.
 */
export function inboxOf(base: string, index: number): string {
  return `${base}.${index}`;
}
