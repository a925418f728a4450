/**
 * The shape of a workload profile, as a zod schema: every `salvo run` option
 * in kebab-case, the TLS and SASL settings, `phases` and a `faults` list.
 * Each field's error message says what was expected; profile.ts adds the
 * file, line and column and what was found. Values are checked with the same
 * unit parsers resolvePlan uses, so a profile's mistake is reported at its
 * line rather than later under a flag name the file never mentioned.
 */
import { z } from 'zod';
import type { PlanInput, ProfileSecurity } from './input.js';
import { objectiveProblem } from './objectives.js';
import { MAX_BODY_SIZE_BYTES, parseBodySize } from './body-sizes.js';
import { parseCount, parseDurationMs, parseRamp, parseRateHz } from './units.js';

const COUNT = 'expected a number or a string such as "5k"';
const RATE = 'expected a positive number of messages per second or a string such as "5k"';
const DURATION = 'expected a duration such as "30s", "500ms", "5m" or a number of seconds';
const SIZE = 'expected a size in bytes or a string such as "1k" (KiB)';
const RAMP = 'expected a rate ramp FROM-TO in messages per second, such as "1000-5000" or "1k-5k"';

function numberOrText(message: string, valid: (raw: string | number) => boolean): z.ZodType<string | number> {
  return z.union([z.number(), z.string()], { error: message }).refine(valid, { error: message });
}

const count = numberOrText(COUNT, (raw) => parseCount(raw) !== null);
const rate = numberOrText(RATE, (raw) => (parseRateHz(raw) ?? 0) > 0);
const duration = numberOrText(DURATION, (raw) => parseDurationMs(raw) !== null);
// A fixed size, a range or weighted sizes (src/plan/body-sizes.ts): the grammar's own phrase is the message.
const bodySize = z.union([z.number(), z.string()], { error: SIZE }).superRefine((raw, context) => {
  const parsed = parseBodySize(raw, MAX_BODY_SIZE_BYTES);
  if ('problem' in parsed) context.addIssue({ code: 'custom', message: parsed.problem });
});
// Share, seed, port: resolvePlan knows their ranges; here, only their type.
const numeric = z.union([z.number(), z.string()], { error: 'expected a number' });
const PRIORITY = 'expected a priority from 0 to 9 or a choice such as "0,4,9"';
const msgPriority = numberOrText(PRIORITY, (raw) =>
  String(raw)
    .split(',')
    .every((v) => /^\s*\d\s*$/.test(v)),
);
const flag = z.boolean({ error: 'expected true or false' });
const text = z.string({ error: 'expected a string' });

const phase = z
  .strictObject(
    {
      name: text.optional(),
      duration,
      rate: rate.optional(),
      ramp: text.refine((raw) => parseRamp(raw) !== null, { error: RAMP }).optional(),
      // Leading warm-up phases are excluded from the totals, like --warmup.
      warmup: flag.optional(),
    },
    { error: 'expected a phase: a mapping with duration and rate or ramp' },
  )
  .refine((p) => (p.rate === undefined) !== (p.ramp === undefined), { error: 'expected exactly one of rate or ramp' });

export type ProfilePhase = z.infer<typeof phase>;

// The grammar's own phrase (unknown unit, unknown kind, ...) is the message: "expected a threshold" would say less.
const threshold = text.superRefine((raw, context) => {
  const problem = objectiveProblem(raw);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});
const thresholds = z
  .array(threshold, { error: 'expected a list of thresholds, such as [service.p99<10ms, acceptRate>5000]' })
  .min(1, { error: 'expected at least one threshold' });

const property = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a NAME=VALUE string' });
const properties = z.union([z.array(property), z.record(z.string(), property)], {
  error: 'expected a list of NAME=VALUE or a mapping of name: value',
});

const urls = z.union([text, z.array(text).min(1, { error: 'expected at least one URL' })], {
  error: 'expected a URL or a list of URLs',
});
const tags = z.union([z.array(z.string()), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))], {
  error: 'expected a list of KEY=VALUE or a mapping of key: value',
});

/** Kebab-case profile key -> the PlanInput field it sets, with its schema. */
export const PLAN_FIELDS = {
  url: ['url', text],
  count: ['count', count],
  duration: ['duration', duration],
  warmup: ['warmup', duration],
  senders: ['senders', count],
  receivers: ['receivers', count],
  connections: ['connections', count],
  links: ['links', count],
  addresses: ['addresses', count],
  'body-size': ['bodySize', bodySize],
  'recv-rate': ['recvRate', rate],
  'recv-delay': ['recvDelay', duration],
  'msg-durable': ['msgDurable', flag],
  'msg-ttl': ['msgTtl', duration],
  'msg-priority': ['msgPriority', msgPriority],
  'recv-start-after': ['recvStartAfter', duration],
  'link-at-least-once': ['linkAtLeastOnce', flag],
  'link-at-most-once': ['linkAtMostOnce', flag],
  credit: ['credit', count],
  'max-in-flight': ['maxInFlight', count],
  rate: ['rate', rate],
  'drain-timeout': ['drainTimeout', duration],
  foreign: ['foreign', z.enum(['accept', 'release'], { error: 'expected accept or release' })],
  'restart-command': ['restartCommand', text],
  'faults-via': ['faultsVia', text],
  reconnect: ['reconnect', flag],
  'reconnect-give-up': ['reconnectGiveUp', duration],
  'tx-size': ['txSize', count],
  'tx-action': ['txAction', text],
  'tx-rollback-ratio': ['txRollbackRatio', numeric],
  'recv-tx-size': ['recvTxSize', count],
  'recv-tx-action': ['recvTxAction', text],
  'recv-tx-rollback-ratio': ['recvTxRollbackRatio', numeric],
  seed: ['seed', numeric],
  'metrics-port': ['metricsPort', numeric],
  'metrics-host': ['metricsHost', text],
  'msg-property': ['msgProperty', properties],
  'recv-selector': ['recvSelector', text],
  subscriptions: ['subscriptions', count],
  'durable-subscriptions': ['durableSubscriptions', flag],
  pattern: ['pattern', text],
  responders: ['responders', count],
  'rpc-in-flight': ['rpcInFlight', count],
  'reply-to': ['replyTo', text],
  'rpc-timeout': ['rpcTimeout', duration],
  // One spec, or a list of specs joined with "; " (src/faults/spec.ts).
  faults: ['faults', z.union([text, z.array(text).min(1)], { error: 'expected a fault spec or a list of them' })],
  thresholds: ['threshold', thresholds],
  // Where each side connects (src/plan/targets.ts) and the run's labels (src/plan/tags.ts).
  'send-url': ['sendUrl', urls],
  'recv-url': ['recvUrl', urls],
  tag: ['tag', tags],
  phases: [
    'phases',
    z.array(phase, { error: 'expected a list of phases' }).min(1, { error: 'expected at least one phase' }),
  ],
} as const satisfies Record<string, readonly [keyof PlanInput, z.ZodType]>;

/** TLS and SASL: read apart from the plan (ProfileSecurity), never written to results. */
export const SECURITY_FIELDS = {
  ca: ['ca', text],
  cert: ['cert', text],
  key: ['key', text],
  'key-password-env': ['keyPasswordEnv', text],
  servername: ['servername', text],
  'verify-host': ['verifyHost', flag],
  'sasl-mechanisms': ['saslMechanisms', text],
  // Where each side connects (src/cli/side-security.ts): the name of a variable, never a password.
  'password-env': ['passwordEnv', text],
  'send-ca': ['sendCa', text],
  'send-cert': ['sendCert', text],
  'send-key': ['sendKey', text],
  'send-key-password-env': ['sendKeyPasswordEnv', text],
  'send-servername': ['sendServername', text],
  'send-sasl-mechanisms': ['sendSaslMechanisms', text],
  'recv-ca': ['recvCa', text],
  'recv-cert': ['recvCert', text],
  'recv-key': ['recvKey', text],
  'recv-key-password-env': ['recvKeyPasswordEnv', text],
  'recv-servername': ['recvServername', text],
  'recv-sasl-mechanisms': ['recvSaslMechanisms', text],
} as const satisfies Record<string, readonly [keyof ProfileSecurity, z.ZodType]>;

type Fields = typeof PLAN_FIELDS & typeof SECURITY_FIELDS;
type Shape = { [K in keyof Fields]: z.ZodOptional<Fields[K][1]> };

function shapeOf(): Shape {
  const shape: Record<string, z.ZodType> = { description: text.optional() };
  for (const [key, [, schema]] of Object.entries({ ...PLAN_FIELDS, ...SECURITY_FIELDS }))
    shape[key] = schema.optional();
  return shape as unknown as Shape;
}

export const profileSchema = z.strictObject(shapeOf());
export type ProfileDocument = z.infer<typeof profileSchema> & { description?: string };

/** Every key a profile may hold, for "known: ..." and "did you mean". */
export const KNOWN_KEYS: readonly string[] = [
  'description',
  ...Object.keys(PLAN_FIELDS),
  ...Object.keys(SECURITY_FIELDS),
];
export const PHASE_KEYS: readonly string[] = ['name', 'duration', 'rate', 'ramp', 'warmup'];
