/**
 * The charting library the report page inlines: uPlot's browser build and
 * stylesheet, read from node_modules (a dependency, so an installed salvo
 * has it) once per process. Inlined, never linked: the page must work with
 * no network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ChartAssets {
  script: string;
  style: string;
  /** The licence notice the inlined copy carries (MIT asks for it). */
  notice: string;
}

let cached: ChartAssets | undefined;

export function chartAssets(): ChartAssets {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('uplot/package.json'));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const copyright =
    readFileSync(join(root, 'LICENSE'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('Copyright')) ?? '';
  cached = {
    // A script's text ends at the first "</script": escape any, though this build has none.
    script: readFileSync(join(root, 'dist', 'uPlot.iife.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script'),
    style: readFileSync(join(root, 'dist', 'uPlot.min.css'), 'utf8'),
    notice: `uPlot ${version}, MIT License, ${copyright.trim()}`,
  };
  return cached;
}
