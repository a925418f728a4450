/**
 * The AMQP 1.0 terminus types (source 3.5.3, target 3.5.4, coordinator
 * 4.5.1) as data, and a check of a decoded terminus against them: its
 * descriptor, its field count, and each field's type and restricted values.
 * Strict clients (go-amqp) close the connection on any of these problems.
 */
import type { AmqpValue } from './amqp-codec.js';

type FieldType =
  | 'string'
  | 'symbol'
  | 'uint'
  | 'boolean'
  /** A single symbol or an array of symbols (multiple="true"). */
  | 'symbols'
  /** fields: a map with symbol keys. */
  | 'fields'
  /** filter-set: a map with symbol keys and described (or null) values. */
  | 'filter-set'
  /** An outcome: a described list. */
  | 'outcome';

interface FieldDef {
  name: string;
  type: FieldType;
  /** The restricted type's allowed values, where it has a fixed set. */
  choices?: readonly (string | bigint)[];
}

export interface TerminusDef {
  name: 'source' | 'target' | 'coordinator';
  code: number;
  fields: readonly FieldDef[];
}

const DURABILITY = [0n, 1n, 2n] as const;
const EXPIRY = ['link-detach', 'session-end', 'connection-close', 'never'] as const;

const NODE_FIELDS: readonly FieldDef[] = [
  { name: 'address', type: 'string' },
  { name: 'durable', type: 'uint', choices: DURABILITY },
  { name: 'expiry-policy', type: 'symbol', choices: EXPIRY },
  { name: 'timeout', type: 'uint' },
  { name: 'dynamic', type: 'boolean' },
  { name: 'dynamic-node-properties', type: 'fields' },
];

export const SOURCE: TerminusDef = {
  name: 'source',
  code: 0x28,
  fields: [
    ...NODE_FIELDS,
    { name: 'distribution-mode', type: 'symbol' },
    { name: 'filter', type: 'filter-set' },
    { name: 'default-outcome', type: 'outcome' },
    { name: 'outcomes', type: 'symbols' },
    { name: 'capabilities', type: 'symbols' },
  ],
};

export const TARGET: TerminusDef = {
  name: 'target',
  code: 0x29,
  fields: [...NODE_FIELDS, { name: 'capabilities', type: 'symbols' }],
};

export const COORDINATOR: TerminusDef = {
  name: 'coordinator',
  code: 0x30,
  fields: [{ name: 'capabilities', type: 'symbols' }],
};

/**
 * What is wrong with `value` as one of `allowed` (empty when nothing is).
 * A null terminus is accepted only when `nullable`.
 */
export function terminusProblems(value: AmqpValue, allowed: readonly TerminusDef[], nullable = false): string[] {
  if (value.type === 'null') return nullable ? [] : ['terminus is null'];
  if (value.type !== 'described') return [`terminus is a ${value.type}, not a described type`];
  const def = allowed.find((d) => matchesDescriptor(value.descriptor, d));
  if (!def) return [`descriptor ${show(value.descriptor)} is none of ${allowed.map((d) => d.name).join(', ')}`];
  if (value.value.type !== 'list') return [`${def.name}: body is a ${value.value.type}, not a list`];
  const items = value.value.value;
  const problems: string[] = [];
  if (items.length > def.fields.length) {
    problems.push(
      `${def.name} (0x${def.code.toString(16)}): ${items.length} fields, the type has ${def.fields.length}`,
    );
  }
  items.slice(0, def.fields.length).forEach((item, i) => {
    const problem = fieldProblem(item, def.fields[i]);
    if (problem) problems.push(`${def.name}.${def.fields[i].name}: ${problem}`);
  });
  return problems;
}

/** The terminus's non-null fields by name (for reading what the broker echoed). */
export function terminusFields(value: AmqpValue, def: TerminusDef): Record<string, AmqpValue> {
  if (value.type !== 'described' || value.value.type !== 'list') return {};
  const out: Record<string, AmqpValue> = {};
  value.value.value.slice(0, def.fields.length).forEach((item, i) => {
    if (item.type !== 'null') out[def.fields[i].name] = item;
  });
  return out;
}

/** Which terminus type a decoded value is, if any. */
export function terminusKind(value: AmqpValue): TerminusDef['name'] | undefined {
  if (value.type !== 'described') return undefined;
  return [SOURCE, TARGET, COORDINATOR].find((d) => matchesDescriptor(value.descriptor, d))?.name;
}

function matchesDescriptor(descriptor: AmqpValue, def: TerminusDef): boolean {
  if (descriptor.type === 'ulong') return descriptor.value === BigInt(def.code);
  if (descriptor.type === 'symbol') {
    const symbolic = def.name === 'coordinator' ? 'amqp:coordinator:list' : `amqp:${def.name}:list`;
    return descriptor.value === symbolic;
  }
  return false;
}

function fieldProblem(item: AmqpValue, def: FieldDef): string | undefined {
  if (item.type === 'null') return undefined;
  switch (def.type) {
    case 'symbols':
      if (item.type === 'symbol') return undefined;
      if (item.type === 'array' && item.value.every((v) => v.type === 'symbol')) return undefined;
      return `a ${describe(item)}, not a symbol or an array of symbols`;
    case 'fields':
    case 'filter-set':
      if (item.type !== 'map') return `a ${describe(item)}, not a map`;
      for (const [key, entry] of item.value) {
        if (key.type !== 'symbol') return `a key of type ${key.type}, not a symbol`;
        if (def.type === 'filter-set' && entry.type !== 'described' && entry.type !== 'null') {
          return `filter ${key.value} is a ${entry.type}, not a described filter`;
        }
      }
      return undefined;
    case 'outcome':
      return item.type === 'described' && item.value.type === 'list'
        ? undefined
        : `a ${describe(item)}, not an outcome`;
    default:
      if (item.type !== def.type) return `a ${describe(item)}, not a ${def.type}`;
      if (def.choices && 'value' in item && !def.choices.includes(item.value as string | bigint)) {
        return `${String(item.value)} is not one of ${def.choices.join(', ')}`;
      }
      return undefined;
  }
}

function describe(item: AmqpValue): string {
  return item.type === 'described' ? `described ${show(item.descriptor)}` : item.type;
}

function show(value: AmqpValue): string {
  if (value.type === 'ulong') return `0x${value.value.toString(16)}`;
  return 'value' in value ? String(value.value) : value.type;
}
