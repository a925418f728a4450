/** `salvo broker` as a user runs it: its one line of output, its exit codes, its errors. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { closeClients, collect, connect, openReceiver, openSender, sendAll } from '../helpers/amqp.js';
import { killSalvoChildren, spawnSalvo } from '../helpers/salvo-process.js';
import { AMQP_HEADER } from '../fuzz/frames.js';
import { rawConnect } from '../fuzz/raw-client.js';

afterEach(closeClients);
afterAll(killSalvoChildren);

const LISTENING = /^salvo broker listening on (amqp:\/\/127\.0\.0\.1:(\d+))\n$/;

describe('salvo broker', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`--port 0 prints one line with the URL, serves clients, and exits 0 on ${signal}`, async () => {
      const run = spawnSalvo(['broker', '--port', '0']);
      try {
        await run.line(/listening on .*\n/);
        const match = run.stdout().match(LISTENING);
        expect(match, run.stdout()).not.toBeNull();
        const url = (match as RegExpMatchArray)[1];
        expect(Number((match as RegExpMatchArray)[2])).toBeGreaterThan(0);
        // It is a working broker, and it stops with a client still connected.
        const conn = await connect(url);
        const receiver = await openReceiver(conn, 'cli.q');
        const got = collect(receiver, 1, 3000);
        expect((await sendAll(await openSender(conn, 'cli.q'), [{ body: 'hi' }])).accepted).toBe(1);
        expect((await got)[0].message.body).toBe('hi');
        run.kill(signal);
        expect(await run.exit(5000)).toBe(0);
      } finally {
        run.kill('SIGKILL');
      }
      expect(run.stdout()).toMatch(LISTENING);
      expect(run.stderr()).toBe('');
    });
  }

  test('--broker-chaos prints what it did at SIGINT: dropped, duplicated and reordered, as the client saw them', async () => {
    const run = spawnSalvo(['broker', '--port', '0', '--broker-chaos', 'drop=0.2,dup=0.2', '--seed', '5']);
    try {
      const url = (await run.line(LISTENING))[1];
      const conn = await connect(url);
      const sent = 200;
      const receiver = await openReceiver(conn, 'chaos.q');
      // How many arrive is what is checked: wait for more than can come, then count.
      const bodies: number[] = [];
      const arrived = collect(
        receiver,
        sent * 2,
        1500,
        (received) => void bodies.push(received.message.body as number),
      ).catch(() => undefined);
      expect(
        (
          await sendAll(
            await openSender(conn, 'chaos.q'),
            Array.from({ length: sent }, (_, i) => ({ body: i })),
          )
        ).accepted,
      ).toBe(sent);
      await arrived;
      run.kill('SIGINT');
      expect(await run.exit(5000)).toBe(0);
      const line = run
        .stdout()
        .match(/^salvo broker chaos: dropped (\d+), duplicated (\d+) \(extra copies\), reordered (\d+)\n$/m);
      expect(line, run.stdout()).not.toBeNull();
      const [dropped, duplicated, reordered] = line!.slice(1).map(Number);
      expect(dropped).toBeGreaterThan(0);
      expect(duplicated).toBeGreaterThan(0);
      expect(reordered).toBe(0);
      expect(sent - new Set(bodies).size).toBe(dropped);
      expect(bodies.length - new Set(bodies).size).toBe(duplicated);
    } finally {
      run.kill('SIGKILL');
    }
  });

  test('--broker-chaos with an unknown fault exits 2 with one line naming the token', async () => {
    const run = spawnSalvo(['broker', '--port', '0', '--broker-chaos', 'dupe=0.1']);
    expect(await run.exit()).toBe(2);
    expect(run.stderr()).toBe('salvo: --broker-chaos: "dupe=0.1": unknown fault "dupe" (drop, dup, reorder, leak)\n');
  });

  test('--chaos, the old name, still works unlisted; giving both names is one usage error', async () => {
    const old = spawnSalvo(['broker', '--port', '0', '--chaos', 'dupe=0.1']);
    expect(await old.exit()).toBe(2);
    expect(old.stderr()).toBe('salvo: --chaos: "dupe=0.1": unknown fault "dupe" (drop, dup, reorder, leak)\n');
    const both = spawnSalvo(['broker', '--port', '0', '--chaos', 'drop=0.1', '--broker-chaos', 'drop=0.1']);
    expect(await both.exit()).toBe(2);
    expect(both.stderr()).toBe('salvo: --broker-chaos and --chaos are one option: give it once\n');
    const help = spawnSalvo(['broker', '--help']);
    expect(await help.exit()).toBe(0);
    expect(help.stdout()).toContain('--broker-chaos <faults>');
    expect(help.stdout()).not.toMatch(/^ {2}--chaos/m);
  });

  test('--port 99999 exits 2 with a one-line error', async () => {
    const run = spawnSalvo(['broker', '--port', '99999']);
    expect(await run.exit()).toBe(2);
    expect(run.stdout()).toBe('');
    const lines = run.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^salvo: .*--port.*99999/);
  });

  test('a port already in use exits 2 with "address already in use"', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = spawnSalvo(['broker', '--port', String(port)]);
      expect(await run.exit()).toBe(2);
      expect(run.stdout()).toBe('');
      const lines = run.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^salvo: .*address already in use/);
      expect(lines[0]).toContain(String(port));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('an unknown option exits 2 with a one-line error', async () => {
    const run = spawnSalvo(['broker', '--port', '0', '--no-such-option']);
    expect(await run.exit()).toBe(2);
    expect(run.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr()).toMatch(/^salvo: .*no-such-option/);
  });

  test('--open-timeout drops a peer that sends the protocol header and then nothing', async () => {
    const run = spawnSalvo(['broker', '--port', '0', '--open-timeout', '300ms']);
    try {
      const match = (await run.line(LISTENING))[2];
      const peer = await rawConnect(Number(match));
      peer.write(AMQP_HEADER);
      expect(await peer.closed(3000)).toBe(true);
      peer.destroy();
    } finally {
      run.kill('SIGKILL');
    }
  });

  for (const [flag, value] of [
    ['--open-timeout', 'soon'],
    ['--idle-queue-timeout', '2d'],
    ['--idle-timeout', '-1'],
    ['--max-output-buffer', 'lots'],
    ['--max-frame-size', '100'],
  ]) {
    test(`${flag} ${value} exits 2 with a one-line error naming the option`, async () => {
      const run = spawnSalvo(['broker', '--port', '0', flag, value]);
      expect(await run.exit()).toBe(2);
      expect(run.stderr().trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr()).toContain(flag);
    });
  }
});
