import { STATUS_CODES } from 'node:http';

export type ErrorType = abstract new (...args: never[]) => Error;

/** A feature's errors and their HTTP status, as one const table (first match wins). */
export type ErrorStatusTable = readonly (readonly [ErrorType, number])[];

/** The JSON body of every error response: `{statusCode, error, message}` (the public contract). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/**
 * Which error classes become which HTTP status. Libraries register their own
 * (the database lib maps "primary unavailable" to 503), services their domain
 * errors (a taken username to 409); the first registered match wins.
 */
export class ErrorMapper {
  private readonly entries: { type: ErrorType; status: number }[] = [];

  register(type: ErrorType, status: number): this {
    if (status < 400 || status > 599) throw new Error(`ErrorMapper: ${status} is not an error status`);
    this.entries.push({ type, status });
    return this;
  }

  /** Registers every row of a feature's table, in order. */
  registerAll(table: ErrorStatusTable): this {
    for (const [type, status] of table) this.register(type, status);
    return this;
  }

  /** The status for `err`, if a registered class matches. */
  statusOf(err: unknown): number | undefined {
    return this.entries.find((e) => err instanceof e.type)?.status;
  }
}
