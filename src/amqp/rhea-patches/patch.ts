/** The one shape of every file in this folder: what it reaches for in rhea, and (for a patch) how it is applied. */

/** A file's reach into rhea beyond its public API. */
export interface RheaReach {
  /** What the file is for, as the tests name it. */
  readonly name: string;
  /**
   * Every private function or field the file relies on, looked up in the rhea this thread
   * loaded: a value that is undefined is gone (rhea changed), and the file must be re-read.
   */
  targets(): Record<string, unknown>;
}

/** A change to rhea's behaviour, made per thread. */
export interface RheaPatch extends RheaReach {
  /** Switches the patch on in this thread; later calls do nothing. */
  apply(): void;
}
