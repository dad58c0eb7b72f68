/**
 * Errors of the analysis module. Parameters are validated by the CLI first (UsageError, exit 2);
 * reaching these means a caller passed something the CLI should have refused, hence `internal`.
 */
import { NodeFinderError } from '../errors.js';

export class AnalysisParameterError extends NodeFinderError {
  constructor(message: string) {
    super('internal', message);
  }
}

/** Throw AnalysisParameterError unless `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new AnalysisParameterError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/** Throw AnalysisParameterError unless `value` is a finite number in [min, max]. */
export function checkNumber(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new AnalysisParameterError(`${name} must be a number in ${min}..${max}, got ${value}`);
  }
}
