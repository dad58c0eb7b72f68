/**
 * What the web view answers when a request cannot be served. HTTP failures are not crawl failures:
 * they never reach the database's error enum, so they carry their own stable `code` (the JSON
 * error's `code`, what tests and clients match on), and a one-line message safe to show: it never
 * holds a stack, SQL, or more than a short, escaped excerpt of the request.
 */
export const HTTP_ERROR_CODES = [
  'bad_parameter', // a query parameter is malformed, out of range or unknown
  'bad_node', // the node search text is no node ID, enode URL or ENR
  'not_found', // no such page, or no such node in the database
  'method_not_allowed', // anything but GET and HEAD
  'uri_too_long',
  'payload_too_large', // a request with a body
  'bad_host', // a Host header naming another server (DNS rebinding against a loopback service)
  'timeout', // a query ran past --query-timeout
  'busy', // more requests waiting for the database than it can serve in time
  'database_unavailable', // the database did not answer
  'internal', // a bug: logged on the server, never detailed to the client
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

const STATUS: Record<HttpErrorCode, number> = {
  bad_parameter: 400,
  bad_node: 400,
  not_found: 404,
  method_not_allowed: 405,
  uri_too_long: 414,
  payload_too_large: 413,
  bad_host: 421,
  timeout: 503,
  busy: 503,
  database_unavailable: 503,
  internal: 500,
};

export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = STATUS[code];
  }
}

/** A hostile value quoted in an error message: at most 40 characters, JSON-quoted. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
