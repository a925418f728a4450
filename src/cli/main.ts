/**
 * The salvo command line. This module alone prints errors and sets exit
 * codes; commands throw SalvoError and return normally otherwise.
 */
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeFor, SalvoError } from '../errors.js';
import { salvoVersion } from '../runtime/compiled.js';
import { applyHeapSettings } from '../runtime/heap-settings.js';
import { brokerCommand } from './broker-command.js';
import { calibrateCommand } from './calibrate-command.js';
import { capacityCommand } from './capacity-command.js';
import { compareCommand } from './compare-command.js';
import { mergeCommand } from './merge-command.js';
import { probeCommand } from './probe-command.js';
import { reportCommand } from './report-command.js';
import { runCommand } from './run-command.js';
import { verifyCommand } from './verify-command.js';

export function buildProgram(): Command {
  const program = new Command('salvo')
    .description('AMQP 1.0 load generator, benchmark harness and delivery-guarantee checker')
    .version(salvoVersion());
  program.addCommand(runCommand());
  program.addCommand(brokerCommand());
  program.addCommand(probeCommand());
  program.addCommand(calibrateCommand());
  program.addCommand(compareCommand());
  program.addCommand(reportCommand());
  program.addCommand(capacityCommand());
  program.addCommand(mergeCommand());
  program.addCommand(verifyCommand());
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) {
      // One way for every default in help: `(default: 10s)`, not `(default: "10s")` beside `(default: 1)`.
      if (typeof option.defaultValue === 'string' && option.defaultValueDescription === undefined)
        option.defaultValueDescription = option.defaultValue;
    }
    command
      .showSuggestionAfterError(true)
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(oneLine(text)) });
  }
  return program;
}

/** Commander's errors, reworded to salvo's one-line form. */
function oneLine(text: string): string {
  return `salvo: ${text.split('\n')[0].replace(/^error: /, '')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  applyHeapSettings();
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const code = error instanceof SalvoError ? error.code : 'internal';
    process.stderr.write(`salvo: ${describeError(error)}\n`);
    return exitCodeFor(code);
  }
}

const invokedDirectly = process.argv[1] !== undefined && /[\\/](salvo(\.js)?|main\.js)$/.test(process.argv[1]);
if (invokedDirectly) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
