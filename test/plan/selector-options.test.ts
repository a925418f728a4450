/**
 * --msg-property and --recv-selector as a plan: command-line tokens and a
 * profile's list or map give the same properties, the shipped profile
 * resolves, and combinations the run cannot check are refused in one line.
 */
import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile } from '../../src/plan/profile.js';
import { resolvePlan } from '../../src/plan/plan.js';
import { ROOT } from '../helpers/paths.js';

describe('selector plan', () => {
  it('tokens, a profile list and a profile map give the same properties, with the run seed', () => {
    const tokens = resolvePlan({
      msgProperty: ['colour=choice(green,red)', 'n=seq', 'k=5', "name='a b'", 'on=true'],
      seed: '9',
    });
    const list = resolvePlan({
      ...parseProfile(
        "msg-property: ['colour=choice(green,red)', n=seq, k=5, \"name='a b'\", on=true]\nseed: 9",
        'p.yaml',
      ),
    });
    const map = resolvePlan({
      ...parseProfile(
        'msg-property:\n  colour: choice(green,red)\n  n: seq\n  k: 5\n  name: "\'a b\'"\n  on: true\nseed: 9',
        'p.yaml',
      ),
    });
    const expected = {
      seed: 9,
      properties: [
        { name: 'colour', generator: { kind: 'choice', values: ['green', 'red'] } },
        { name: 'n', generator: { kind: 'seq' } },
        { name: 'k', generator: { kind: 'constant', value: 5 } },
        { name: 'name', generator: { kind: 'constant', value: 'a b' } },
        { name: 'on', generator: { kind: 'constant', value: true } },
      ],
    };
    expect(tokens.messageProperties).toEqual(expected);
    expect(list.messageProperties).toEqual(expected);
    expect(map.messageProperties).toEqual(expected);
  });

  it('profiles/selector.yaml resolves to its properties and selector', () => {
    const plan = resolvePlan(loadProfile(`${ROOT}/profiles/selector.yaml`));
    expect(plan.recvSelector).toBe("colour = 'green'");
    expect(plan.messageProperties?.properties.map((p) => p.name)).toEqual(['colour', 'n', 'load', 'region']);
    expect(plan.count).toBe(30_000);
  });

  it.each([
    [
      { recvSelector: 'x = 1', linkAtMostOnce: true },
      '--recv-selector works at least once only, got --link-at-most-once',
    ],
    [
      { recvSelector: 'x = 1', txSize: '10' },
      '--recv-selector cannot be combined with --tx-size or --recv-tx-size yet',
    ],
    [{ msgProperty: { c: [1, 2] } }, '--msg-property: "c" must be a string, number or boolean, got [1,2]'],
    [{ msgProperty: [5] }, '--msg-property: expected NAME=VALUE, got 5'],
    [{ msgProperty: 'JMSType=x' }, '--msg-property: "JMSType=x": names starting with JMS are JMS headers'],
    [{ msgProperty: "c='abc" }, '--msg-property: "c=\'abc": unterminated quote in "\'abc"'],
  ])('%j: %s', (input, message) => {
    expect(() => resolvePlan(input as Parameters<typeof resolvePlan>[0])).toThrow(message);
  });
});
