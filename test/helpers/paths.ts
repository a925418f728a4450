/** Where things are, from the tests' point of view. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'salvo.js');
/** Test PKI, made once by the global setup (gitignored). */
export const CERT_DIR = join(ROOT, '.certs', 'test');
