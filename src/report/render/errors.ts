/** Errors of the report renderers. An inconsistent report model is a bug in a report module. */
import { NodeFinderError } from '../../errors.js';

export class ReportModelError extends NodeFinderError {
  constructor(message: string) {
    super('internal', `invalid report: ${message}`);
  }
}
