/** Vitest global setup: the PGlite initdb dump every test file starts from (test/store/pglite-template.ts). */
import { ensureTemplate } from './store/pglite-template.js';

export default async function setup(): Promise<void> {
  await ensureTemplate();
}
