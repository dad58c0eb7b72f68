/**
 * Errors of the local testnet. Options are validated by the CLI first (UsageError, exit 2); reaching
 * TestnetParameterError means a programmatic caller passed something the CLI would have refused.
 */
import { NodeFinderError } from '../errors.js';

export class TestnetParameterError extends NodeFinderError {
  constructor(message: string) {
    super('internal', message);
  }
}

/** The testnet only ever binds loopback addresses: it must never be reachable from a network. */
export class NonLoopbackHostError extends NodeFinderError {
  constructor(host: string) {
    super('netrestrict', `testnet host ${JSON.stringify(host)} is not a loopback address (127.0.0.0/8 or ::1)`);
  }
}

export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TestnetParameterError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

export function checkFraction(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new TestnetParameterError(`${name} must be a number in 0..1, got ${value}`);
  }
}
