// npm links the bins of dependencies into node_modules/.bin but never the
// project's own, so `npx salvo` in a fresh clone would look for salvo on the
// registry. `prepare` (run by npm ci and npm install) links it here.
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
const target = join(root, 'bin', 'salvo.js');
mkdirSync(binDir, { recursive: true });
rmSync(join(binDir, 'salvo'), { force: true });
symlinkSync(relative(binDir, target), join(binDir, 'salvo'));
chmodSync(target, 0o755);
