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
 * A request whose client went away fails however its reads were stopped (cancelled: 57014, or not started):
 * nobody reads the answer, so it is logged at debug level, not as a failure (a 503 or a 500).
 */
export function clientGone(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(ctx.state as { [SIGNAL]?: AbortSignal })[SIGNAL]?.aborted) {
        throw err;
      }
      log.debug(
        { error: loggableError(err), path: ctx.path, method: ctx.method },
        'client went away before the answer'
      );
      // nginx's "client closed request", for the request log line.
      ctx.status = 499;
    }
  };
}
