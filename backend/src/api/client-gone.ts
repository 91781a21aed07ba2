import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import { cancelledBy, type Db } from '../db/db';
import { loggableError } from '../http/errors';
import type { Logger } from '../logger';

/** Why a request's reads were cancelled: its client closed the connection before the answer. */
class ClientGone extends Error {
  constructor() {
    super('the client went away before the answer');
    this.name = 'ClientGone';
  }
}

const SIGNAL = Symbol('client gone');

/**
 * Aborts when the request's client goes away before its answer is written (Grafana superseding a panel's
 * query, a closed page). Made on first use, so a request that never asks pays nothing.
 */
export function clientSignal(ctx: Context): AbortSignal {
  const state = ctx.state as { [SIGNAL]?: AbortSignal };
  if (state[SIGNAL]) {
    return state[SIGNAL];
  }
  const gone = new AbortController();
  const res = ctx.res;
  if (ctx.req.socket.destroyed) {
    gone.abort(new ClientGone());
  } else {
    res.once('close', () => {
      // 'close' also follows an answer written in full.
      if (!res.writableFinished) {
        gone.abort(new ClientGone());
      }
    });
  }
  return (state[SIGNAL] = gone.signal);
}

/** `db` for a long read of this request: PostgreSQL cancels it when the client goes away. */
export const readsOf = (ctx: Context, db: Db): Db => cancelledBy(db, clientSignal(ctx));

/**
 * The client closed its connection before the answer: its reads were stopped, or it left before they started
 * (while its token was checked, its body read: Node's "aborted", an ECONNRESET that is no database's).
 */
const clientLeft = (ctx: Context) =>
  (ctx.state as { [SIGNAL]?: AbortSignal })[SIGNAL]?.aborted === true ||
  (ctx.req.socket?.destroyed === true && !ctx.res.writableFinished);

/**
 * A request whose client went away fails however its reads were stopped (cancelled: 57014, or not started):
 * nobody reads the answer, so it is logged at debug level, not as a failure (a 503 or a 500).
 */
export function clientGone(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!clientLeft(ctx)) {
        throw err;
      }
      if (firstReport(ctx)) {
        log.debug(
          { error: loggableError(err), path: ctx.path, method: ctx.method },
          'client went away before the answer'
        );
      }
      // nginx's "client closed request", for the request log line.
      ctx.status = 499;
    }
  };
}

const REPORTED = Symbol('request failure logged');

/**
 * True the first time a request's failure is reported: Koa may report one cut-off answer twice (the socket's
 * reset, the stream's premature close), and a client that left mid-request fails both its handler and Koa's
 * watch on the response.
 */
function firstReport(ctx: Context | undefined): boolean {
  const state = ctx?.state as { [REPORTED]?: true } | undefined;
  if (state?.[REPORTED]) {
    return false;
  }
  if (state) {
    state[REPORTED] = true;
  }
  return true;
}

/**
 * Node's codes for a peer that closed the connection while an answer was being written to it, or before it had
 * sent the whole request (HPE_INVALID_EOF_STATE: the connection ended inside the body it announced).
 */
const CONNECTION_GONE = new Set([
  'ERR_STREAM_PREMATURE_CLOSE',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'HPE_INVALID_EOF_STATE',
]);

/**
 * Errors Koa meets once an answer has started (a streamed body: the audit log's CSV), which no middleware can
 * catch. Koa's own handler prints their stack to stderr; here a client that left is a debug line like the
 * others, and anything else (a read failing mid-file, the file cut off) a logged failure.
 */
export function logLateErrors(app: Koa, log: Logger): void {
  app.on('error', (err: Error & { code?: string }, ctx?: Context) => {
    if (!firstReport(ctx)) {
      return;
    }
    const where = { error: loggableError(err), path: ctx?.path, method: ctx?.method };
    if (err instanceof ClientGone || CONNECTION_GONE.has(err.code ?? '')) {
      log.debug(where, 'client went away before the answer');
    } else {
      log.error(where, 'answer cut off');
    }
  });
}
