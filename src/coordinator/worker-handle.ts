/** The coordinator's side of one worker task: its control port and the task's result. */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { ControlMessage, WorkerAssignment, WorkerMessage, WorkerResult } from '../protocol/worker-messages.js';

export interface WorkerEvents {
  onMessage(handle: WorkerHandle, message: WorkerMessage): void;
}

export class WorkerHandle {
  readonly result: Promise<WorkerResult>;
  /** Resolves when the worker's last port message has arrived. */
  readonly drained: Promise<void>;
  ready = false;
  done = false;
  private readonly port: MessagePort;

  constructor(
    readonly role: 'sender' | 'receiver',
    readonly workerId: string,
    readonly slot: number,
    pool: Piscina,
    assignment: Omit<WorkerAssignment, 'port'>,
    events: WorkerEvents,
  ) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    let drained: () => void = () => undefined;
    this.drained = new Promise((resolve) => (drained = resolve));
    this.port.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') this.ready = true;
      if (message.type === 'closed') drained();
      events.onMessage(this, message);
    });
    this.result = (
      pool.run({ ...assignment, port: channel.port2 }, { transferList: [channel.port2] }) as Promise<WorkerResult>
    ).finally(() => {
      this.done = true;
    });
  }

  send(message: ControlMessage): void {
    if (!this.done) this.port.postMessage(message);
  }

  /** The port stays open until the task ends, so late interval reports still arrive; then it closes. */
  close(): void {
    this.port.close();
  }
}
