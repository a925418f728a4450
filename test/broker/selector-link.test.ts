/** Selector filters on receiving links (the grammar itself is covered by selector.test.ts). */
import { afterEach, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { Connection, Message } from 'rhea';
import {
  closeClients,
  collect,
  connect,
  drain,
  openReceiver,
  openSender,
  queueName,
  refusal,
  sendAll,
} from '../helpers/amqp.js';
import { queueStats, useBroker } from '../helpers/broker.js';
import { until } from '../helpers/wait.js';

afterEach(closeClients);

const broker = useBroker();

const COLOURS = ['red', 'green', 'blue', 'green', 'red', 'green', 'yellow', 'green', 'blue', 'red'];

function coloured(prefix = 'c'): Message[] {
  return COLOURS.map((colour, i) => ({
    message_id: `${prefix}-${i}`,
    body: `${colour}-${i}`,
    application_properties: { colour, i },
  }));
}

const greens = COLOURS.flatMap((colour, i) => (colour === 'green' ? [`green-${i}`] : []));
const others = COLOURS.flatMap((colour, i) => (colour === 'green' ? [] : [`${colour}-${i}`]));

/** The symbol-descriptor form Proton and Qpid JMS send (rhea's own helper uses the numeric code). */
function symbolSelector(text: string): Record<string, unknown> {
  const types = rhea.types as unknown as { wrap_described(value: unknown, descriptor: unknown): unknown };
  return { 'jms-selector': types.wrap_described(text, 'apache.org:selector-filter:string') };
}

async function filledQueue(conn: Connection, label: string): Promise<string> {
  const address = queueName(label);
  expect((await sendAll(await openSender(conn, address), coloured())).accepted).toBe(COLOURS.length);
  return address;
}

describe('selector filters', () => {
  test('rhea filter.selector: only matching messages arrive; the rest stay queued for a plain receiver', async () => {
    const conn = await connect(broker().url);
    const address = await filledQueue(conn, 'sel-numeric');
    const selective = await openReceiver(conn, {
      source: { address, filter: rhea.filter.selector("colour = 'green'") } as never,
    });
    const got = await collect(selective, greens.length);
    expect(got.map((r) => r.message.body)).toEqual(greens);
    expect(await drain(selective, 300)).toHaveLength(0);
    await until(
      async () => (await queueStats(broker(), address)).depth === others.length,
      2000,
      'non-matching stay queued',
    );
    selective.close();
    const plain = await openReceiver(conn, address);
    expect((await collect(plain, others.length)).map((r) => r.message.body)).toEqual(others);
    expect(await drain(plain, 200)).toHaveLength(0);
  });

  test('the broker echoes the selector it applies in its attach', async () => {
    const conn = await connect(broker().url);
    const address = queueName('sel-echo');
    const receiver = await openReceiver(conn, {
      source: { address, filter: rhea.filter.selector("colour = 'green'") } as never,
    });
    const filter = receiver.source.filter as
      | Record<string, { value?: unknown; descriptor?: { value?: unknown } }>
      | undefined;
    expect(filter).toBeDefined();
    expect(Object.keys(filter ?? {})).toEqual(['jms-selector']);
    expect(filter?.['jms-selector'].value).toBe("colour = 'green'");
  });

  test('no filter asked, none echoed', async () => {
    const conn = await connect(broker().url);
    const receiver = await openReceiver(conn, queueName('sel-none'));
    expect(receiver.source.filter ?? undefined).toBeUndefined();
  });

  test('the symbol-descriptor form (apache.org:selector-filter:string) selects too, and is echoed', async () => {
    const conn = await connect(broker().url);
    const address = await filledQueue(conn, 'sel-symbol');
    const receiver = await openReceiver(conn, {
      source: { address, filter: symbolSelector("colour = 'green' AND i > 2") } as never,
    });
    const filter = receiver.source.filter as
      | Record<string, { value?: unknown; descriptor?: { value?: unknown } }>
      | undefined;
    expect(filter?.['jms-selector'].value).toBe("colour = 'green' AND i > 2");
    expect(filter?.['jms-selector'].descriptor?.value).toBe('apache.org:selector-filter:string');
    const expected = COLOURS.flatMap((colour, i) => (colour === 'green' && i > 2 ? [`green-${i}`] : []));
    const got = await collect(receiver, expected.length);
    expect(got.map((r) => r.message.body)).toEqual(expected);
    expect(await drain(receiver, 300)).toHaveLength(0);
  });

  test('a selective and a plain receiver on one queue: the selective one gets greens only, nothing is lost', async () => {
    const conn = await connect(broker().url);
    const address = queueName('sel-mixed');
    const selective = await openReceiver(conn, {
      source: { address, filter: rhea.filter.selector("colour = 'green'") } as never,
    });
    const seenSelective: string[] = [];
    const seenPlain: string[] = [];
    selective.on('message', (ctx) => seenSelective.push(String(ctx.message?.body)));
    const plain = await openReceiver(conn, address);
    plain.on('message', (ctx) => seenPlain.push(String(ctx.message?.body)));
    await sendAll(await openSender(conn, address), coloured());
    await until(() => seenSelective.length + seenPlain.length === COLOURS.length, 3000, 'all delivered');
    expect(seenSelective.every((body) => body.startsWith('green'))).toBe(true);
    expect(new Set([...seenSelective, ...seenPlain]).size).toBe(COLOURS.length);
  });

  test('a selector that does not parse: link closed with amqp:invalid-field naming the problem; the connection keeps working', async () => {
    const conn = await connect(broker().url);
    const address = await filledQueue(conn, 'sel-bad');
    const reason = await refusal(
      conn.open_receiver({ source: { address, filter: rhea.filter.selector("colour = = 'green'") } as never }),
    );
    expect(reason.condition).toBe('amqp:invalid-field');
    expect(reason.description).toMatch(/unexpected token '='.*column 10/);
    expect(reason.description).toContain("colour = = 'green'");
    // An unterminated string names itself too.
    const unterminated = await refusal(
      conn.open_receiver({ source: { address, filter: rhea.filter.selector("colour = 'green") } as never }),
    );
    expect(unterminated.condition).toBe('amqp:invalid-field');
    expect(unterminated.description).toMatch(/unterminated string/);
    // The same connection still serves links, and the queue lost nothing.
    const good = await openReceiver(conn, {
      source: { address, filter: rhea.filter.selector("colour = 'green'") } as never,
    });
    expect((await collect(good, greens.length)).map((r) => r.message.body)).toEqual(greens);
    expect((await queueStats(broker(), address)).depth).toBe(others.length);
  });

  test('a selector whose value is not a string is refused with amqp:invalid-field', async () => {
    const conn = await connect(broker().url);
    const types = rhea.types as unknown as { wrap_described(value: unknown, descriptor: unknown): unknown };
    const filter = { 'jms-selector': types.wrap_described(42, 'apache.org:selector-filter:string') };
    const reason = await refusal(conn.open_receiver({ source: { address: queueName('sel-int'), filter } as never }));
    expect(reason.condition).toBe('amqp:invalid-field');
    expect(reason.description).toMatch(/not a string/);
  });
});
