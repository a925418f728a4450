/**
 * Drain answered even without credit. rhea's Sender#_get_drain echoes drain only while credit is
 * left, so a drain that came with no credit (go-amqp's DrainCredit, Qpid JMS's receiveNoWait) is
 * answered with a flow that lacks the flag, and the peer waits for good. It also moves the credit
 * into delivery-count one unit at a time: a flow with drain and a credit of four billion is four
 * billion iterations (see hostile-peers.ts).
 */
import type { RheaPatch } from './patch.js';
import { senderPrototype } from './rhea-lib.js';

interface DrainingSender {
  _draining: boolean;
  _drained: boolean;
  credit: number;
  delivery_count: number;
}

const sender = senderPrototype as { _get_drain(this: DrainingSender): boolean };
let applied = false;

/**
 * Make every sender's drain answer carry drain=true (per thread). The patched version gives up
 * whatever credit is left (delivery-count advances over it, in one step) and echoes drain once
 * per request.
 */
export const drainEcho: RheaPatch = {
  name: 'drain echo',
  targets: () => ({ 'Sender#_get_drain': sender._get_drain }),
  apply(): void {
    if (applied) return;
    sender._get_drain = function (this: DrainingSender): boolean {
      if (!this._draining || !this._drained) return false;
      this.delivery_count += this.credit;
      this.credit = 0;
      this._drained = false;
      return true;
    };
    applied = true;
  },
};
