/** Errors of the report modules (the renderers have theirs in render/errors.ts). */
import { NodeFinderError } from '../errors.js';

/** A report query file is missing, unreadable, or its header disagrees with its body: a broken installation or a bug. */
export class ReportSqlError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

/**
 * An external node list (`report coverage --external`) that cannot be read or parsed. It is a list of
 * node identities (enode URLs, node IDs, geth nodes.json), hence kind bad_enode. Exit code 2.
 */
export class ExternalListError extends NodeFinderError {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_enode', message, options);
  }
}
