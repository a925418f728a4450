/**
 * Events passed up without rhea's debug calls (rhea-patches/event-dispatch.ts): an event reaches
 * the same listeners, in the same order, with the same answer, as rhea's dispatch gives, and a
 * link's context names it by its role. Endpoints here are never connected (no socket).
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { Container } from 'rhea';
import { eventDispatch } from '../../src/amqp/rhea-patches/event-dispatch.js';

const require = createRequire(import.meta.url);
interface Level {
  on(event: string, listener: (context: unknown) => void): void;
  dispatch(name: string, context: unknown): boolean;
  observers: { on(event: string, listener: (context: unknown) => void): void };
  is_receiver(): boolean;
  is_sender(): boolean;
  _context(context?: object): Record<string, unknown>;
}
interface Endpoints {
  container: Container;
  connection: Level;
  session: Level;
  receiver: Level;
  sender: Level;
}

function endpoints(): Endpoints {
  const container = rhea.create_container({ id: `dispatch-${Math.random()}` });
  const connection = (container as unknown as { create_connection(o: object): unknown }).create_connection({
    reconnect: false,
  }) as Level & { create_session(): Level & { attach_receiver(o: object): Level; attach_sender(o: object): Level } };
  const session = connection.create_session();
  return {
    container,
    connection,
    session,
    receiver: session.attach_receiver({ source: 'q' }),
    sender: session.attach_sender({ target: 'q' }),
  };
}

describe('events passed up', () => {
  beforeAll(() => eventDispatch.apply());

  test('to the nearest level with a listener, after the link and session observers, with rhea’s answer', () => {
    const { container, connection, session, receiver } = endpoints();
    const heard: string[] = [];
    receiver.observers.on('e', () => heard.push('link observer'));
    session.observers.on('e', () => heard.push('session observer'));
    container.on('e', (context: unknown) => heard.push(`container ${(context as { n: number }).n}`));
    expect(receiver.dispatch('e', { n: 1 })).toBe(true);
    expect(heard).toEqual(['link observer', 'session observer', 'container 1']);

    heard.length = 0;
    connection.on('e', () => heard.push('connection'));
    expect(receiver.dispatch('e', { n: 2 })).toBe(true);
    expect(heard).toEqual(['link observer', 'session observer', 'connection']);

    heard.length = 0;
    receiver.on('e', () => heard.push('link'));
    expect(receiver.dispatch('e', { n: 3 })).toBe(true);
    expect(heard).toEqual(['link observer', 'link']);

    // Nobody listening anywhere: false, as rhea says (the container is asked after its emit).
    expect(receiver.dispatch('nobody', {})).toBe(false);
  });

  test('an error event with no listener anywhere still throws at the container, as with rhea', () => {
    const { sender } = endpoints();
    expect(() => sender.dispatch('error', new Error('no one listens'))).toThrow('no one listens');
  });

  test("a link's context names it by its role", () => {
    const { receiver, sender } = endpoints();
    expect([receiver.is_receiver(), receiver.is_sender(), sender.is_receiver(), sender.is_sender()]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(receiver._context().receiver).toBe(receiver);
    expect(sender._context().sender).toBe(sender);
    // The role rhea would read from the attach agrees (link.js builds it once, in init).
    const attachRole = (link: Level) => (link as unknown as { local: { attach: { role: boolean } } }).local.attach.role;
    expect([attachRole(receiver), attachRole(sender)]).toEqual([true, false]);
    const source = require('node:fs').readFileSync(require.resolve('rhea/lib/link.js'), 'utf8') as string;
    expect(source.match(/local\.attach = /g)).toHaveLength(1);
  });
});
