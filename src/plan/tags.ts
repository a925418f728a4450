/**
 * `--tag key=value` (repeatable), or a profile's `tag` list or mapping: labels
 * a user puts on a run (cluster=eu-1, build=1234), recorded in result.json and
 * shown in the summary and report. `salvo compare` treats them as part of the
 * workload: runs with different tags are not compared.
 */
import { PlanError } from './errors.js';

export type RawTags = readonly (string | number | boolean)[] | Readonly<Record<string, string | number | boolean>>;

const KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const MAX_TAGS = 64;
const MAX_VALUE_CHARS = 200;

/** Sorted by key, so that two runs with the same tags given in another order carry equal objects. */
export function parseTags(raw: RawTags | undefined, option = '--tag'): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const pairs = Array.isArray(raw)
    ? (raw as readonly (string | number | boolean)[]).map((item) => splitPair(String(item), option))
    : Object.entries(raw).map(([key, value]): [string, string] => [key, String(value)]);
  if (pairs.length === 0) return undefined;
  if (pairs.length > MAX_TAGS) throw new PlanError(`${option}: at most ${MAX_TAGS} tags, got ${pairs.length}`);
  const tags: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (!KEY.test(key))
      throw new PlanError(
        `${option} key must be letters, digits, '.', '_', '/' or '-' (starting with a letter or digit), got ` +
          JSON.stringify(key),
      );
    if (value.length > MAX_VALUE_CHARS || /[\r\n]/.test(value))
      throw new PlanError(`${option} ${key}: the value must be one line of at most ${MAX_VALUE_CHARS} characters`);
    if (key in tags)
      throw new PlanError(
        `${option} ${key} is given twice, got ${JSON.stringify(tags[key])} and ${JSON.stringify(value)}`,
      );
    tags[key] = value;
  }
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `k=v, k2=v2`: how the summary, the report and compare show them. */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}

function splitPair(text: string, option: string): [string, string] {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new PlanError(`${option} must be KEY=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, equals).trim(), text.slice(equals + 1).trim()];
}
