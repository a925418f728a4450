/**
 * Worker threads need JavaScript files. Whether this module runs compiled
 * (dist/) or from TypeScript under vitest, thread entry points are always
 * loaded from the compiled tree, which `npm test` and `npm ci` build first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'salvo') {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('salvo: cannot find the package root');
    dir = parent;
  }
}

/** Absolute path of a compiled module, e.g. compiledPath('src/broker/broker-thread-main.js'). */
export function compiledPath(fromRoot: string): string {
  const file = join(packageRoot(), 'dist', fromRoot);
  if (!existsSync(file)) throw new Error(`salvo: ${file} is missing; run npm run build`);
  return file;
}

export function salvoVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
