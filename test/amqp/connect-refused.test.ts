/**
 * A broker that refuses a connection answers the open and closes at once
 * with its reason (ActiveMQ Classic, a container id already connected:
 * amqp:invalid-field "Client: ID already connected"). connect() must fail
 * with the broker's condition and description, not resolve on the open and
 * leave the first attach to time out. The refusing peer here is a rhea
 * server in the test's thread; test/conformance/ does the same against
 * Classic itself when it runs.
 */
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';
import type { Connection, EventContext } from 'rhea';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/amqp/connect.js';
import { SalvoError } from '../../src/errors.js';
import { parseAmqpUrl } from '../../src/plan/url.js';

type Refusal =
  /** Open with `amqp:connection-establishment-failed`, the close only later (as Classic flags it). */
  | 'flagged-then-late-close'
  /** Open with `amqp:connection-establishment-failed`, and then nothing. */
  | 'flagged-then-silent'
  /** A plain open and the close written in the same pass: one chunk on the wire. */
  | 'same-pass'
  /** No refusal: the open is the connection. */
  | 'none';

const REFUSAL_DELAY_MS = 300;
const CONDITION = 'amqp:invalid-field';

interface Peer {
  url: string;
  server: Server;
}

const peers = new Map<Refusal, Peer>();

/** Container id -> how the peer treats it; the test names the behaviour in the id it connects with. */
function startPeer(refusal: Refusal): Promise<Peer> {
  const container = rhea.create_container({ id: `refusing-peer-${refusal}` });
  for (const event of ['error', 'connection_error', 'disconnected']) container.on(event, () => undefined);
  container.on('connection_open', (context: EventContext) => {
    const connection = context.connection;
    const description = `Client: ${connection.remote.open?.container_id} already connected`;
    if (refusal === 'same-pass') connection.close({ condition: CONDITION, description });
    if (refusal === 'flagged-then-late-close')
      setTimeout(() => connection.close({ condition: CONDITION, description }), REFUSAL_DELAY_MS);
  });
  const flagged = refusal === 'flagged-then-late-close' || refusal === 'flagged-then-silent';
  const properties = flagged ? { 'amqp:connection-establishment-failed': true } : {};
  const server = container.listen({ port: 0, host: '127.0.0.1', properties } as never) as unknown as Server;
  return new Promise((resolve) =>
    server.once('listening', () =>
      resolve({ url: `amqp://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

beforeAll(async () => {
  for (const refusal of ['flagged-then-late-close', 'flagged-then-silent', 'same-pass', 'none'] as const)
    peers.set(refusal, await startPeer(refusal));
});

afterAll(async () => {
  for (const { server } of peers.values()) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function refusal(promise: Promise<Connection>): Promise<SalvoError> {
  const outcome = await promise.then(
    async (connection) => {
      await disconnect(connection);
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(outcome, 'connect resolved although the broker closed the connection at once').toBeInstanceOf(SalvoError);
  return outcome as SalvoError;
}

describe('connect to a broker that refuses the connection after its open', () => {
  it("fails with the broker's condition and description when the open is flagged and the close comes later", async () => {
    const { url } = peers.get('flagged-then-late-close')!;
    const error = await refusal(connect(parseAmqpUrl(url), { containerId: 'salvo-dup', timeoutMs: 5000 }));
    expect(error.code).toBe('unreachable');
    expect(error.message).toBe(
      `cannot connect to ${url}: the broker refused the connection: Client: salvo-dup already connected (${CONDITION})`,
    );
  });

  it('fails the same way when the open and the close arrive together, unflagged', async () => {
    const { url } = peers.get('same-pass')!;
    const error = await refusal(connect(parseAmqpUrl(url), { containerId: 'salvo-twice', timeoutMs: 5000 }));
    expect(error.message).toBe(
      `cannot connect to ${url}: the broker refused the connection: Client: salvo-twice already connected (${CONDITION})`,
    );
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('a flagged open with no close after it is a failed connect at the timeout, saying so', async () => {
    const { url } = peers.get('flagged-then-silent')!;
    const error = await refusal(connect(parseAmqpUrl(url), { containerId: 'salvo-hush', timeoutMs: 500 }));
    expect(error.message).toBe(
      `cannot connect to ${url}: the broker's open said the connection failed ` +
        '(amqp:connection-establishment-failed), and no close with its reason came within 500 ms',
    );
  });

  it('resolves when the open is not followed by a close', async () => {
    const { url } = peers.get('none')!;
    const connection = await connect(parseAmqpUrl(url), { containerId: 'salvo-welcome', timeoutMs: 5000 });
    expect(connection.is_open()).toBe(true);
    expect(connection.container_id).toBe('refusing-peer-none');
    await disconnect(connection);
  });
});
