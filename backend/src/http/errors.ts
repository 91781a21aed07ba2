import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable';
import { AppError, DATABASE_UNAVAILABLE } from '../domain/errors';
import { BreakerOpenError, FagentError } from '../fagent/errors';
import type { Logger } from '../logger';

/* Errors as JSON for every HTTP surface of the service: the API (api/app.ts) and the metrics port (metrics/http.ts). */

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details && { details }) } };
}

/** The one place errors become JSON: known errors keep their meaning, anything else is a 500 without details. */
export function toHttpError(err: unknown): {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
} {
  if (err instanceof AppError) {
    return { status: err.status, code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof BreakerOpenError) {
    return { status: 503, code: 'breaker_open', message: err.message };
  }
  if (err instanceof FagentError) {
    // The agent's 409 is HAProxy refusing the command (e.g. a weight a static algorithm cannot take): about
    // HAProxy's state, not a broken gateway, and trying again will not help.
    if (err.httpStatus === 409) {
      return { status: 409, code: 'haproxy_refused', message: err.message };
    }
    return { status: 502, code: 'fagent_error', message: err.message };
  }
  if (err instanceof ZodError) {
    const message = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return { status: 400, code: 'bad_request', message };
  }
  const pgCode =
    (err as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (err as { code?: string }).code;
  const detail = (err as { driverError?: { detail?: string } }).driverError?.detail;
  if (pgCode === '57014') {
    // The API's read pool cancels statements after API_STATEMENT_TIMEOUT; nothing was changed.
    return {
      status: 503,
      code: 'query_timeout',
      message:
        'the database took too long to answer (API_STATEMENT_TIMEOUT): ask for less, e.g. a shorter range or fewer patterns, or try again',
    };
  }
  if (pgCode === '40P01' || pgCode === '40001') {
    // PostgreSQL rolled the whole transaction back: nothing was changed, and the same request may succeed now.
    return {
      status: 409,
      code: 'conflict',
      message:
        'another change to the same records ran at the same time and the database stopped this one (deadlock or serialization failure): nothing was changed; try again',
    };
  }
  if (pgCode === '23505') {
    return { status: 409, code: 'conflict', message: `already exists${detail ? `: ${detail}` : ''}` };
  }
  if (pgCode === '23503') {
    return {
      status: 400,
      code: 'bad_request',
      message: `refers to a record that does not exist${detail ? `: ${detail}` : ''}`,
    };
  }
  if (isDatabaseUnavailable(err)) {
    // Not a 500: nothing is wrong with the request or the code, and the caller may try again.
    return { status: 503, code: DATABASE_UNAVAILABLE, message: 'the database is unavailable; try again shortly' };
  }
  const e = err as { status?: number; expose?: boolean; message?: string };
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return {
      status: e.status,
      code: e.status === 404 ? 'not_found' : 'bad_request',
      message: e.message ?? 'bad request',
    };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}

/**
 * What the log line of a 500 may say about its cause: the kind of error, PostgreSQL's code and the objects it
 * names, and where in the code. Never messages, details or the statement's parameters: PostgreSQL quotes
 * values in them ("invalid input syntax ... \"<value>\"", "Failing row contains (...)"), and TypeORM's
 * errors carry the parameters whole.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  const e = (err ?? {}) as { name?: string; stack?: string; driverError?: PgFields } & PgFields;
  const pg = e.driverError ?? (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e : undefined);
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  const where = pg && {
    code: pg.code,
    routine: pg.routine,
    table: pg.table,
    column: pg.column,
    constraint: pg.constraint,
  };
  return {
    type: e.name ?? typeof err,
    ...Object.fromEntries(Object.entries(where ?? {}).filter(([, v]) => v !== undefined)),
    stack: frames.slice(0, 15).map((l) => l.trim()),
  };
}

interface PgFields {
  code?: string;
  routine?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

export function errorHandler(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      // No route (404), a wrong method (405), an unknown method (501) come without a body: give them ours.
      if (ctx.status >= 400 && ctx.body == null) {
        ctx.status = ctx.status; // explicit, or setting the body would turn Koa's default 404 into a 200
        ctx.body =
          ctx.status === 404
            ? errorBody('not_found', `no route ${ctx.method} ${ctx.path}`)
            : errorBody(
                ctx.status === 405 ? 'method_not_allowed' : 'bad_request',
                `${ctx.method} ${ctx.path}: ${ctx.message}`
              );
      }
    } catch (err) {
      const { status, code, message, details } = toHttpError(err);
      if (status >= 500 && code === 'internal') {
        // The path without its query string, the error without values: see loggableError.
        log.error({ error: loggableError(err), path: ctx.path, method: ctx.method }, 'request failed');
      } else if (code === DATABASE_UNAVAILABLE) {
        log.warn(
          { error: loggableError(err), path: ctx.path, method: ctx.method },
          'request failed: database unavailable'
        );
      }
      ctx.status = status;
      ctx.body = errorBody(code, message, details);
    }
  };
}
