/**
 * The few calls salvo makes to a toxiproxy server's HTTP API (v2.5.0: JSON
 * over plain HTTP, errors as {"error": text, "status": code}), through Node's
 * own fetch. Every failure becomes one SalvoError line that names the API URL
 * and the request: no answer is `unreachable`, an error answer `refused`.
 */
import { SalvoError } from '../errors.js';

/** A toxiproxy answer in well under a second on loopback; longer means it is not coming. */
const REQUEST_TIMEOUT_MS = 5000;
/** Enough of an error body to say what went wrong, not a page of HTML. */
const BODY_SHOWN_CHARS = 200;

export type Method = 'GET' | 'POST' | 'DELETE';

export class ToxiproxyApi {
  constructor(readonly url: string) {}

  /** The parsed JSON answer (undefined for an empty one, e.g. 204). */
  async request(method: Method, path: string, body?: object): Promise<unknown> {
    const what = `${method} ${path}`;
    let status: number;
    let statusText: string;
    let text: string;
    try {
      const response = await fetch(this.url + path, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      statusText = response.statusText;
      text = await response.text();
    } catch (error) {
      throw new SalvoError('unreachable', `toxiproxy at ${this.url} did not answer ${what}: ${causeOf(error)}`);
    }
    if (status < 200 || status > 299) {
      throw new SalvoError(
        'refused',
        `toxiproxy at ${this.url} answered ${what} with ${status}${statusText ? ` ${statusText}` : ''}: ` +
          `${errorText(text)}`,
      );
    }
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new SalvoError(
        'refused',
        `toxiproxy at ${this.url} answered ${what} with something other than JSON: ${oneLine(text)}`,
      );
    }
  }
}

/** fetch wraps the socket's error (ECONNREFUSED, ENOTFOUND...) in a TypeError's cause. */
function causeOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return oneLine(code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message);
  }
  return oneLine(error instanceof Error ? error.message : String(error));
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') {
      return oneLine((parsed as { error: string }).error);
    }
  } catch {
    // Not toxiproxy's JSON (a proxy in front of it, or a 404 page): show the text itself.
  }
  return body.trim() === '' ? '(empty body)' : oneLine(body);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > BODY_SHOWN_CHARS ? `${line.slice(0, BODY_SHOWN_CHARS)}...` : line;
}
