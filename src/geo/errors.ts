/** Errors of the offline IP → country/ASN lookup. */
import { NodeFinderError } from '../errors.js';

/** The packaged range tables are missing or unreadable: a broken installation, not bad input. */
export class GeoDataError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}
