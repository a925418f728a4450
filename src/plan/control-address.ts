/**
 * The default control address of sharded runs is the run's address plus this
 * suffix (src/plan/shards.ts); each shard's inbox adds `.<index>`. The
 * embedded broker spares such addresses its --broker-chaos: the chaos tests
 * the run's messages, and a meeting it could break would decide nothing.
 */
export const CONTROL_ADDRESS_SUFFIX = '.salvo-control';

export function isControlInbox(address: string): boolean {
  return /\.salvo-control\.\d+$/.test(address);
}
