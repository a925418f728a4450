/** `salvo broker`: the embedded broker in the foreground until SIGINT / SIGTERM. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { setupBrokerThread } from '../amqp/rhea-patches/index.js';
import { Broker } from '../broker/broker.js';
import { parseChaosSpec } from '../plan/chaos-spec.js';
import { formatChaosCounts } from '../results/fault-lines.js';
import { BROKER_DEFAULTS } from '../broker/options.js';
import type { BrokerOptions } from '../broker/options.js';
import { SalvoError } from '../errors.js';
import { parseDurationMs, parseSizeBytes } from '../plan/units.js';
import { durationOption, durationText, integerIn, portNumber, userList } from './options.js';

interface BrokerFlags {
  host: string;
  port: number;
  tlsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsRequireClientCert?: boolean;
  tlsSaslExternal?: boolean;
  users?: Record<string, string>;
  maxQueueDepth: number;
  linkCredit: number;
  maxMessageSize: number;
  idleQueueTimeout: number;
  openTimeout: number;
  idleTimeout: number;
  maxOutputBuffer: number;
  maxFrameSize: number;
  brokerChaos?: string;
  /** --chaos, the old name of --broker-chaos. */
  chaos?: string;
  seed: number;
}

export function brokerCommand(): Command {
  return (
    new Command('broker')
      .description('run the embedded AMQP 1.0 broker until SIGINT or SIGTERM')
      .option('--host <host>', 'address to listen on', BROKER_DEFAULTS.host)
      .option('--port <port>', 'AMQP port (0 picks a free one)', portNumber, BROKER_DEFAULTS.port)
      .option('--tls-port <port>', 'also listen for amqps on this port', portNumber)
      .option('--tls-cert <file>', 'server certificate (PEM)')
      .option('--tls-key <file>', 'server private key (PEM)')
      .option('--tls-ca <file>', 'CA (PEM) that client certificates must chain to')
      .option('--tls-require-client-cert', 'refuse TLS clients without a certificate signed by --tls-ca')
      .option(
        '--tls-sasl-external',
        'offer SASL EXTERNAL to TLS clients whose certificate verified (with --tls-require-client-cert)',
      )
      .addOption(
        new Option('--users <list>', 'name:password,...: require SASL PLAIN with these users').argParser(userList),
      )
      .option(
        '--max-queue-depth <n>',
        'withhold credit from senders while a queue holds this many messages (0: no limit)',
        integerIn(0, Number.MAX_SAFE_INTEGER),
        BROKER_DEFAULTS.maxQueueDepth,
      )
      .option(
        '--link-credit <n>',
        'credit window granted to each sending link',
        integerIn(1, 1_000_000),
        BROKER_DEFAULTS.linkCredit,
      )
      .option(
        '--max-message-size <bytes>',
        'largest message accepted, advertised in every attach (0: no limit)',
        integerIn(0, 4_294_967_295),
        BROKER_DEFAULTS.maxMessageSize,
      )
      // A duration like the other timeouts; a bare number is still seconds, as this flag always took.
      .addOption(
        durationOption(
          '--idle-queue-timeout <duration>',
          'delete an auto-created queue once empty with no link for this long (0: keep queues)',
          durationFlag(86_400_000),
          BROKER_DEFAULTS.idleQueueMs,
        ),
      )
      .addOption(
        durationOption(
          '--open-timeout <duration>',
          'close a connection that has not sent its open (after header and SASL) within this (0: never)',
          durationFlag(),
          BROKER_DEFAULTS.openTimeoutMs,
        ),
      )
      .addOption(
        durationOption(
          '--idle-timeout <duration>',
          'close a connection silent this long; half is advertised as idle-time-out (0: never)',
          durationFlag(),
          BROKER_DEFAULTS.idleTimeoutMs,
        ),
      )
      .option(
        '--max-output-buffer <bytes>',
        'drop a connection whose unread output passes this (k / m suffixes; 0: no cap)',
        sizeFlag('--max-output-buffer'),
        BROKER_DEFAULTS.maxOutputBytes,
      )
      .option(
        '--max-frame-size <bytes>',
        'largest frame taken from a peer, advertised in the open (512 or more; 0: no limit)',
        frameSizeFlag,
        BROKER_DEFAULTS.maxFrameBytes,
      )
      // The name salvo run has for the same faults, so that one flag reads the same in both commands.
      .option(
        '--broker-chaos <faults>',
        'checker self-test: drop=R,dup=R,reorder=R drops, duplicates or reorders that share of accepted messages; ' +
          'leak=R delivers that share of rolled-back ones',
      )
      // Its name before --broker-chaos: kept, unlisted, so that scripts written for it still work.
      .addOption(new Option('--chaos <faults>', 'the same as --broker-chaos').hideHelp())
      .option(
        '--seed <n>',
        'seed of --broker-chaos decisions (same seed, same message order: same faults)',
        integerIn(0, 4_294_967_295),
        1,
      )
      .action(async (flags: BrokerFlags) => {
        const options = brokerOptions(flags);
        setupBrokerThread();
        const broker = await Broker.start(options);
        process.stdout.write(`salvo broker listening on ${[broker.url, broker.tlsUrl].filter(Boolean).join(' ')}\n`);
        await untilSignal();
        await broker.stop();
        const chaos = broker.stats().chaos;
        if (chaos) process.stdout.write(`salvo broker chaos: ${formatChaosCounts(chaos)}\n`);
      })
  );
}

function brokerOptions(flags: BrokerFlags): BrokerOptions {
  const options: BrokerOptions = {
    host: flags.host,
    port: flags.port,
    maxQueueDepth: flags.maxQueueDepth,
    linkCredit: flags.linkCredit,
    maxMessageSize: flags.maxMessageSize,
    idleQueueMs: flags.idleQueueTimeout,
    openTimeoutMs: flags.openTimeout,
    idleTimeoutMs: flags.idleTimeout,
    maxOutputBytes: flags.maxOutputBuffer,
    maxFrameBytes: flags.maxFrameSize,
    users: flags.users,
  };
  if (flags.brokerChaos !== undefined && flags.chaos !== undefined)
    throw new SalvoError('usage', '--broker-chaos and --chaos are one option: give it once');
  if (flags.brokerChaos !== undefined) options.chaos = parseChaosSpec(flags.brokerChaos, flags.seed, '--broker-chaos');
  else if (flags.chaos !== undefined) options.chaos = parseChaosSpec(flags.chaos, flags.seed, '--chaos');
  const tlsAsked = flags.tlsPort !== undefined || flags.tlsCert || flags.tlsKey;
  if (tlsAsked) {
    if (flags.tlsPort === undefined || !flags.tlsCert || !flags.tlsKey) {
      throw new SalvoError('usage', 'TLS needs --tls-port, --tls-cert and --tls-key together');
    }
    if (flags.tlsRequireClientCert && !flags.tlsCa) {
      throw new SalvoError('usage', '--tls-require-client-cert needs --tls-ca');
    }
    if (flags.tlsSaslExternal && !flags.tlsRequireClientCert) {
      throw new SalvoError('usage', '--tls-sasl-external needs --tls-require-client-cert');
    }
    options.tls = {
      port: flags.tlsPort,
      certFile: flags.tlsCert,
      keyFile: flags.tlsKey,
      caFile: flags.tlsCa,
      requireClientCert: Boolean(flags.tlsRequireClientCert),
      ...(flags.tlsSaslExternal && { saslExternal: true }),
    };
  }
  return options;
}

function durationFlag(maxMs = 2_147_483_647): (value: string) => number {
  // Node's timer limit (~24.8 days) goes unsaid: no one means it; a lower bound of a flag's own is said.
  const most = maxMs < 2_147_483_647 ? ` (at most ${durationText(maxMs)})` : '';
  return (value: string) => {
    const ms = parseDurationMs(value);
    if (ms === null || ms > maxMs)
      throw new InvalidArgumentError(`expected a duration such as 500ms, 10s or 2m${most}, got "${value}"`);
    return ms;
  };
}

function sizeFlag(option: string): (value: string) => number {
  return (value: string) => {
    const bytes = parseSizeBytes(value);
    if (bytes === null)
      throw new InvalidArgumentError(`${option}: expected a size such as 65536, 512k or 64m, got "${value}"`);
    return bytes;
  };
}

function frameSizeFlag(value: string): number {
  const bytes = parseSizeBytes(value);
  // AMQP's smallest max-frame-size is 512 (spec 2.7.1).
  if (bytes === null || (bytes !== 0 && bytes < 512) || bytes > 4_294_967_295) {
    throw new InvalidArgumentError(
      `--max-frame-size: expected 0 or a size from 512 to 4294967295 bytes, got "${value}"`,
    );
  }
  return bytes;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
