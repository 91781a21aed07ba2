/** Errors with an HTTP meaning, thrown anywhere and turned into `{"error":{code,message}}` in one place (http/errors.ts). */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What a caller may act on beside the message (e.g. a refusal's numbers), answered as `error.details`. */
    readonly details?: Record<string, unknown>
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string) => new AppError(400, 'bad_request', message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new AppError(409, 'conflict', message);

/** PostgreSQL cannot be reached: a 503 the caller may retry, never a 500. */
export const DATABASE_UNAVAILABLE = 'database_unavailable';
export const databaseUnavailable = (message: string) => new AppError(503, DATABASE_UNAVAILABLE, message);
