/**
 * Workload profiles: YAML files with the same option names as `salvo run`
 * (kebab-case, as typed on the command line), plus `phases` and a `faults`
 * list. Flags given on the command line win over the profile. The schema
 * (profile-schema.ts) checks every key; a mistake is reported in one line
 * with the file, line and column, the field, what was expected and what was
 * found. Unknown keys are errors, not silently ignored.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { PlanError } from './errors.js';
import type { PlanInput, ProfileSecurity } from './input.js';
import {
  KNOWN_KEYS,
  PHASE_KEYS,
  PLAN_FIELDS,
  profileSchema,
  SECURITY_FIELDS,
  type ProfileDocument,
} from './profile-schema.js';

const SECURITY_FILES = new Set<keyof ProfileSecurity>([
  'ca',
  'cert',
  'key',
  'sendCa',
  'sendCert',
  'sendKey',
  'recvCa',
  'recvCert',
  'recvKey',
]);

export function loadProfile(file: string): PlanInput {
  return parseProfile(readProfileText(file), file);
}

/** The TLS and SASL settings of a profile (see ProfileSecurity); {} when it has none. */
export function loadProfileSecurity(file: string): ProfileSecurity {
  const document = validProfile(readProfileText(file), file);
  const security: Record<string, unknown> = {};
  for (const [key, [name]] of Object.entries(SECURITY_FIELDS)) {
    const value = document[key as keyof typeof SECURITY_FIELDS];
    if (value === undefined) continue;
    security[name] =
      SECURITY_FILES.has(name) && typeof value === 'string' && !isAbsolute(value)
        ? resolve(dirname(file), value)
        : value;
  }
  return security as ProfileSecurity;
}

export function parseProfile(text: string, file: string): PlanInput {
  const document = validProfile(text, file);
  const input: Record<string, unknown> = {};
  for (const [key, [name]] of Object.entries(PLAN_FIELDS)) {
    const value = document[key as keyof typeof PLAN_FIELDS];
    if (value === undefined) continue;
    // A list of fault specs is one spec (src/faults/spec.ts separates faults with ";").
    input[name] = name === 'faults' && Array.isArray(value) ? value.join('; ') : value;
  }
  return input as PlanInput;
}

function readProfileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new PlanError(`--profile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

/** The profile parsed and checked against the schema; the first mistake in the file as a PlanError. */
function validProfile(text: string, file: string): ProfileDocument {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const yamlError = document.errors[0];
  if (yamlError)
    throw new PlanError(`--profile ${at(yamlError.pos[0])}: not valid YAML: ${yamlError.message.split('\n')[0]}`);
  if (!isMap(document.contents)) throw new PlanError(`--profile ${file}: expected a mapping of option: value`);
  const password = keyNode(document, [], 'key-password');
  if (password)
    throw new PlanError(
      `--profile ${at(password.range?.[0])}: a key password does not belong in a file; name its variable with ` +
        `key-password-env`,
    );
  const urlPassword = keyNode(document, [], 'password');
  if (urlPassword)
    throw new PlanError(
      `--profile ${at(urlPassword.range?.[0])}: a password does not belong in a file; name its variable with ` +
        `password-env`,
    );
  const value: unknown = document.toJS();
  const parsed = profileSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const mistakes = specific(parsed.error.issues).map((issue) => describeIssue(document, value, issue));
  // The first in the file, as a reader going down it would meet them.
  mistakes.sort((a, b) => (a.offset ?? Infinity) - (b.offset ?? Infinity));
  const first = mistakes[0] as Mistake;
  throw new PlanError(`--profile ${at(first.offset)}: ${first.text}`);
}

interface Mistake {
  offset: number | undefined;
  text: string;
}

type Path = readonly PropertyKey[];

/**
 * A check on a whole mapping (a phase's "exactly one of rate or ramp") says
 * less than a mistake inside it (an unknown key, a bad value): keep the latter.
 */
function specific(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const within = (outer: Path, inner: Path): boolean => outer.every((part, i) => inner[i] === part);
  return issues.filter(
    (issue) => issue.code !== 'custom' || !issues.some((other) => other !== issue && within(issue.path, other.path)),
  );
}

function describeIssue(document: Document, value: unknown, issue: z.core.$ZodIssue): Mistake {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const known = path.length === 0 ? KNOWN_KEYS : PHASE_KEYS;
    const what = path.length === 0 ? `unknown option "${key}"` : `${field(path)}: unknown key "${key}"`;
    return { offset: keyNode(document, path, key)?.range?.[0], text: `${what} (${hint(key, known)})` };
  }
  const node = nodeAt(document, path);
  const found = valueAt(value, path);
  // A whole mapping's check names what it wants; "got a mapping" would add nothing.
  const got =
    found === undefined
      ? ', none given'
      : issue.code === 'custom' && typeof found === 'object'
        ? ''
        : `, got ${shown(found)}`;
  return { offset: node?.range?.[0], text: `${field(path)}: ${issue.message}${got}` };
}

/** `"rate"`, `"phases[1].ramp"`: the field as a reader finds it in the file. */
function field(path: Path): string {
  const text = path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
  return `"${text}"`;
}

function hint(key: string, known: readonly string[]): string {
  const nearest = known
    .map((candidate) => ({ candidate, distance: editDistance(key, candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  if (nearest && nearest.distance <= Math.max(2, Math.floor(key.length / 3)))
    return `did you mean "${nearest.candidate}"?`;
  return `known: ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The node at path, or the nearest enclosing one when the field is missing. */
function nodeAt(document: Document, path: Path): Node | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return undefined;
}

/** The key node of `key` in the mapping at path (where an unknown key is reported). */
function keyNode(document: Document, path: Path, key: string): Node | undefined {
  const map: unknown = path.length === 0 ? document.contents : document.getIn(path, true);
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) return pair.key;
  }
  return undefined;
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}
