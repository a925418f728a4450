/**
 * Plays one generated input against a live broker over a raw socket and says
 * whether the broker did what the input's `expect` demands (generators.ts).
 * Returns a reason on failure, null on success; never throws for the broker's
 * behaviour, so a batch can run many inputs at once.
 */
import { close as closeFrame, P } from './frames.js';
import type { FuzzInput, Step } from './generators.js';
import { rawConnect } from './raw-client.js';
import type { RawClient } from './raw-client.js';

export interface Limits {
  /** How long a broker may take to answer a step of the valid prefix, or to close a bad connection. */
  promptMs: number;
  /** How long a deadline input may live: the broker's open or idle deadline plus slack. */
  deadlineMs: number;
}

export async function runInput(input: FuzzInput, port: number, limits: Limits): Promise<string | null> {
  let client: RawClient;
  try {
    client = await rawConnect(port);
  } catch (error) {
    return `connect failed: ${(error as Error).message} (is the broker still serving?)`;
  }
  try {
    return await play(client, input, limits);
  } finally {
    client.destroy();
  }
}

async function play(client: RawClient, input: FuzzInput, limits: Limits): Promise<string | null> {
  const prefix = input.steps.slice(0, -1);
  const tail = input.steps[input.steps.length - 1];
  for (const step of prefix) {
    client.write(step.bytes);
    if (step.await && !(await client.until(() => seen(client, step) || client.closedByBroker(), limits.promptMs))) {
      return `the broker did not answer the valid prefix step (${step.await}) within ${limits.promptMs} ms`;
    }
    if (client.closedByBroker())
      return `the broker closed a valid prefix (${step.await}): ${client.closeError() ?? 'no error'}`;
  }
  const pastOpen = client.opened();
  await writeTail(client, tail.bytes, input.chunk);
  switch (input.expect) {
    case 'close':
      if (!(await client.closed(limits.promptMs)))
        return `a protocol violation left the connection open for ${limits.promptMs} ms`;
      return pastOpen ? closedWithError(client) : null;
    case 'deadline':
      if (!(await client.closed(limits.deadlineMs)))
        return `an unfinished input was not closed within ${limits.deadlineMs} ms`;
      return pastOpen ? closedWithError(client) : null;
    case 'either':
      // Random fields may well spell a valid close: then the broker's close need carry no error.
      if (await client.closed(50)) return pastOpen ? closedWithFrame(client) : null;
      return stillServing(client, pastOpen, limits);
    case 'survive':
      if (client.closedByBroker()) return `a legal input was closed: ${client.closeError() ?? 'no error'}`;
      return stillServing(client, pastOpen, limits);
  }
}

function seen(client: RawClient, step: Step): boolean {
  switch (step.await) {
    case 'sasl-mechanisms':
      return client.frames.some((f) => f.code === P.saslMechanisms);
    case 'sasl-outcome':
      return client.frames.some((f) => f.code === P.saslOutcome);
    case 'open':
      return client.frames.some((f) => f.code === P.open);
    case 'begin':
      return client.frames.some((f) => f.code === P.begin);
    case 'attach':
      return client.frames.some((f) => f.code === P.attach);
    default:
      return true;
  }
}

async function writeTail(client: RawClient, bytes: Buffer, chunk: number): Promise<void> {
  if (chunk <= 0) {
    client.write(bytes);
    return;
  }
  for (let at = 0; at < bytes.length; at += chunk) {
    client.write(bytes.subarray(at, at + chunk));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function closedWithError(client: RawClient): string | null {
  return client.closeError()
    ? null
    : 'the broker dropped an open connection without a close frame carrying an AMQP error';
}

function closedWithFrame(client: RawClient): string | null {
  return client.frames.some((f) => f.code === P.close)
    ? null
    : 'the broker dropped an open connection without a close frame';
}

/** Still serving: our close (or, before open, our end) is answered and the socket released. */
async function stillServing(client: RawClient, pastOpen: boolean, limits: Limits): Promise<string | null> {
  if (pastOpen) {
    client.write(closeFrame());
    if (!(await client.closed(limits.promptMs)))
      return `the broker neither closed the connection nor answered the peer's close within ${limits.promptMs} ms`;
    if (client.closeError()) return null;
    return client.frames.some((f) => f.code === P.close)
      ? null
      : 'the broker ended the socket without answering the close';
  }
  client.socket.end();
  return (await client.closed(limits.promptMs))
    ? null
    : `the broker kept a half-closed socket for ${limits.promptMs} ms`;
}
