/**
 * The one error type that crosses module boundaries. `code` decides the exit
 * status in the CLI; `message` is the one line a user sees; `condition` keeps
 * the AMQP error condition when a peer gave one.
 */
export type ErrorCode =
  | 'usage' // bad flags, bad profile, bad URL: exit 2
  | 'unreachable' // could not connect or authenticate: exit 3
  | 'refused' // the peer refused something the run needs: exit 3
  | 'failed' // the run completed but failed its checks: exit 1
  | 'not-gated' // salvo compare --require-gate: a metric with a threshold could not be judged: exit 4
  | 'incomplete' // salvo merge: a shard missing or unfinished, its messages not checked, never a pass: exit 5
  | 'interrupted' // stopped by a signal (Ctrl-C, SIGTERM): exit 130
  | 'internal'; // a bug: exit 70

export class SalvoError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly condition?: string,
  ) {
    super(message);
    this.name = 'SalvoError';
  }
}

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'usage':
      return 2;
    case 'unreachable':
      return 3;
    case 'refused':
      return 3;
    case 'failed':
      return 1;
    case 'not-gated':
      return 4;
    case 'incomplete':
      return 5;
    case 'interrupted':
      return 130;
    case 'internal':
      return 70;
  }
}

/** A one-line description of anything thrown, for the CLI. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0];
  return String(error).split('\n')[0];
}
