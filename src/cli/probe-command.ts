/**
 * `salvo probe URL`: what a broker really supports, tried one capability at a
 * time. stdout holds the table (or, with --json, the JSON document and
 * nothing else); exit 0 whenever it could connect, 3 when it could not
 * connect or authenticate, 2 for a bad URL or flag.
 */
import { Command, InvalidArgumentError } from 'commander';
import { readTlsFiles } from '../amqp/connect.js';
import { parseDurationMs } from '../plan/units.js';
import { urlWithPassword } from '../plan/targets.js';
import { parseAmqpUrl } from '../plan/url.js';
import { DEFAULT_STEP_TIMEOUT_MS, formatJson, formatTable, probe } from '../probe/index.js';
import { durationOption } from './options.js';
import { addSecurityOptions, resolveSecurity, type SecurityFlags } from './security-options.js';
import { envPassword, PASSWORD_VARIABLE } from './side-security.js';

interface ProbeFlags extends SecurityFlags {
  passwordEnv?: string;
  json?: boolean;
  insecure?: boolean;
  timeout: number;
  addressPrefix?: string;
}

const MAX_STEP_TIMEOUT_MS = 600_000;

export function probeCommand(): Command {
  return (
    addSecurityOptions(
      new Command('probe')
        .description('connect to a broker and try each AMQP capability for real; print what works')
        .argument('<url>', 'amqp[s]://[user:password@]host[:port] (user:password gives SASL PLAIN)')
        .option('--json', 'print one JSON document (schema salvo.probe/1) instead of the table'),
    )
      .option(
        '--password-env <var>',
        `the password of the URL's user from this environment variable (default: ${PASSWORD_VARIABLE}, when set)`,
      )
      // The probe only: to look at a broker whose certificate cannot be verified; `salvo run` has no such flag.
      .option(
        '--insecure',
        'amqps: connect even if the broker certificate does not verify (chain or name); the tls row says why',
      )
      .addOption(
        durationOption(
          '--timeout <duration>',
          'bound on each step: connect, attach, outcome, arrival (e.g. 30s, 500ms; a bare number is seconds)',
          stepTimeout,
          DEFAULT_STEP_TIMEOUT_MS,
        ),
      )
      .option(
        '--address-prefix <prefix>',
        "prepended to the probe's addresses (default: /queue/ for RabbitMQ, none otherwise)",
      )
      .action(async (given: string, flags: ProbeFlags) => {
        parseAmqpUrl(given, { option: 'URL' }); // a bad URL is a usage error before any file is read
        const url = urlWithPassword(given, envPassword(flags.passwordEnv));
        const security = resolveSecurity(flags);
        const tls = await readTlsFiles({ ...security.files, verify: flags.insecure !== true });
        if (security.servername !== undefined) tls.servername = security.servername;
        const report = await probe(url, {
          tls,
          stepTimeoutMs: flags.timeout,
          addressPrefix: flags.addressPrefix,
          ...(security.saslMechanisms && { saslMechanisms: security.saslMechanisms }),
        });
        process.stdout.write(flags.json ? formatJson(report) : formatTable(report));
      })
  );
}

function stepTimeout(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === null || ms < 1 || ms > MAX_STEP_TIMEOUT_MS) {
    throw new InvalidArgumentError(`expected a duration from 1ms to 10m (e.g. 5s, 500ms), got "${value}"`);
  }
  return ms;
}
