/**
 * A broker URL with another address: each of the battery's runs gets its own
 * queue on the broker under test, so that no run meets another's leftovers.
 */
import { parseAmqpUrl } from '../plan/index.js';

/** `amqp://user:pass@host:port/ADDRESS`, credentials and port kept; `/queue/x` becomes the path `//queue/x`. */
export function withAddress(url: string, address: string): string {
  const parsed = parseAmqpUrl(url, { option: 'URL' });
  const user = parsed.user === undefined ? '' : encodeURIComponent(parsed.user);
  const password = parsed.password === undefined ? '' : `:${encodeURIComponent(parsed.password)}`;
  const credentials = user === '' && password === '' ? '' : `${user}${password}@`;
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  const path = address.split('/').map(encodeURIComponent).join('/');
  return `${parsed.scheme}://${credentials}${host}:${parsed.port}/${path}`;
}
