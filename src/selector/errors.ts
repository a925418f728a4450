/** Long selectors are cut so the message stays a readable single line. */
const MAX_QUOTED = 200;

function quoteSelector(text: string): string {
  const shown = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  // JSON quoting escapes newlines and control characters, keeping the message on one line.
  return JSON.stringify(shown);
}

export class SelectorSyntaxError extends Error {
  override readonly name = 'SelectorSyntaxError';

  /**
   * @param selector the full selector text
   * @param column 1-based column (UTF-16 code unit offset + 1) of the offending text
   * @param problem what is wrong, naming the offending text
   */
  constructor(
    readonly selector: string,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`selector: ${problem} at column ${column} in ${quoteSelector(selector)}`);
  }
}

// Anything that could end or visually break the line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Shows a fragment of selector source inside an error message without breaking the line. */
export function showFragment(fragment: string, max = 40): string {
  const cut = fragment.length > max ? `${fragment.slice(0, max)}…` : fragment;
  return cut.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
