/**
 * Vitest setup file (runs before every test file, in its worker): new embedded databases, in this
 * process and in the CLI children it spawns, start from the initdb dump (test/store/pglite-template.ts).
 */
import { TEMPLATE_PATH } from './store/pglite-template.js';

process.env['NODEFINDER_PGLITE_TEMPLATE'] ??= TEMPLATE_PATH;
