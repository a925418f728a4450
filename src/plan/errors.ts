import { SalvoError } from '../errors.js';

/**
 * A mistake in what the user asked for. The message is one line, names the
 * option and repeats the bad value, so the CLI can print it as is and exit
 * with its usage code; no stack trace is meant for the user.
 */
export class PlanError extends SalvoError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'PlanError';
  }
}
