/**
 * Attach before transfers (the broker): rhea's Session#_process writes outgoing transfers before
 * it lets each link write its attach. A server that gets a receiver's attach and its flow in one
 * read, and sends from the flow event (a broker with queued messages), would put transfers on
 * the wire ahead of the attach, which the peer rejects ("Invalid handle", or "transfer after
 * detach" when the handle is reused). A pre-pass writes pending attaches first.
 */
import type { RheaPatch } from './patch.js';
import { sessionPrototype } from './rhea-lib.js';

interface SessionInternals {
  state: { need_open(): boolean };
  local: { begin: unknown };
  links: Record<string, { state: { need_open(): boolean }; local: { attach: unknown } }>;
  output(frame: unknown): void;
}

const session = sessionPrototype as { _process(this: SessionInternals): void };
let applied = false;

/** Write every pending link attach before any transfer (per thread). */
export const attachBeforeTransfers: RheaPatch = {
  name: 'attach before transfers',
  targets: () => ({ 'Session#_process': session._process }),
  apply(): void {
    if (applied) return;
    const original = session._process;
    session._process = function (this: SessionInternals): void {
      if (this.state.need_open()) this.output(this.local.begin);
      for (const key in this.links) {
        const link = this.links[key];
        if (link.state.need_open()) this.output(link.local.attach);
      }
      original.call(this);
    };
    applied = true;
  },
};
