/** Socket errors of a connection to PostgreSQL that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say the server is not there for us: class 08 (connection exception), and 57P01..57P03
 * (terminated by an administrator, crash shutdown, cannot connect now: starting or shutting down).
 */
const UNAVAILABLE_STATE = /^(08...|57P0[123])$/;

/** node-postgres' and pg-pool's own words for a lost or missing connection. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * Whether an error means PostgreSQL could not be reached (down, restarting, connection lost), as opposed to
 * a statement that failed on a working database. Looks through TypeORM's wrapper (`driverError`), `cause`,
 * and AggregateError (one refused connection per resolved address).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) {
    return false;
  }
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || UNAVAILABLE_STATE.test(e.code))) {
    return true;
  }
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) {
    return true;
  }
  const inner = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return inner.some((x) => x !== err && isDatabaseUnavailable(x, depth + 1));
}

/** The error's own first line (pg's messages are short; an AggregateError's is empty, so its first inner one). */
export function databaseErrorMessage(err: unknown): string {
  const e = err as { message?: string; errors?: Array<{ message?: string }> };
  const message = e?.message || e?.errors?.[0]?.message || String(err);
  return message.split('\n')[0];
}
