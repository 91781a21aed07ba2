import type { RouterContext } from '@koa/router';
import type { Context, Next } from 'koa';
import { bearerToken, invalidToken } from '../auth/bearer';
import type { TokenStore } from '../auth/tokens';
import { replaceControlCharacters } from '../domain/control-characters';
import { AppError } from '../domain/errors';
import { Role, ROLE_RANK } from '../domain/roles';

export interface AuthState {
  tokenName: string;
  role: Role;
  /** Made for Grafana's plugin proxy (`--grafana`). */
  grafanaToken: boolean;
  /** The person behind the request: Grafana's login from a Grafana token's request, else the token's name. */
  actor: string;
  /** A Grafana user's request through the plugin proxy (a Grafana token that named its user). */
  viaGrafana: boolean;
  /** When the token stops working; null: never. */
  tokenExpiresAt: Date | null;
}

declare module 'koa' {
  interface DefaultState {
    auth: AuthState;
  }
}

/** Header Grafana's proxy adds with the signed-in user's login (dataproxy send_user_header). */
export const GRAFANA_USER_HEADER = 'x-grafana-user';

export function authenticate(tokens: TokenStore) {
  return async (ctx: Context, next: Next) => {
    const token = await tokens.verify(bearerToken(ctx.req));
    if (!token) {
      throw invalidToken();
    }
    // Any caller can send the header: only a token made for Grafana's proxy (which sets it) is believed.
    const grafanaUser = token.grafana ? grafanaLogin(ctx.get(GRAFANA_USER_HEADER)) : '';
    ctx.state.auth = {
      tokenName: token.name,
      role: token.role,
      grafanaToken: token.grafana,
      actor: grafanaUser ? `${GRAFANA_ACTOR}${grafanaUser}` : `token:${token.name}`,
      viaGrafana: grafanaUser !== '',
      tokenExpiresAt: token.expiresAt,
    };
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header value as the text its bytes spell: Grafana (Go) sends a login's UTF-8 bytes as they are, and Node
 * hands header values over as latin1 (one character per byte), so `José` would arrive as `JosÃ©`. Bytes that
 * are not UTF-8 stay latin1.
 */
function headerText(value: string): string {
  if (!/[^\x00-\x7f]/.test(value)) {
    return value;
  }
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** The actor's prefix for a Grafana user; the actor (prefix and login) fits the audit filter's 200 characters. */
const GRAFANA_ACTOR = 'grafana:';

/** The login as the audit records it: no control characters (C0, DEL, C1), whole characters, within 200 with its prefix. */
const grafanaLogin = (header: string) =>
  Array.from(replaceControlCharacters(headerText(header), '').trim())
    .slice(0, 200 - GRAFANA_ACTOR.length)
    .join('');

/** The role a route's `requireRole` asks for, kept on the middleware so that `routeRoleFirst` can find it. */
const REQUIRED_ROLE = Symbol('requiredRole');

/** Whether the caller has `role` or a higher one. */
export const hasRole = (auth: AuthState, role: Role): boolean => ROLE_RANK[auth.role] >= ROLE_RANK[role];

function checkRole(ctx: Context, role: Role): void {
  const auth = ctx.state.auth as AuthState;
  if (!hasRole(auth, role)) {
    throw new AppError(403, 'forbidden', `this needs the ${role} role; token "${auth.tokenName}" has ${auth.role}`);
  }
}

export function requireRole(role: Role) {
  const check = async (ctx: Context, next: Next) => {
    checkRole(ctx, role);
    await next();
  };
  return Object.assign(check, { [REQUIRED_ROLE]: role });
}

/**
 * The matched route's role, checked before its body is read or judged: a caller below it gets its 403, not a
 * 400, 413 or 415 about a request it may not make (as a caller without a token gets its 401 first).
 */
export function routeRoleFirst() {
  return async (ctx: Context, next: Next) => {
    for (const layer of (ctx as unknown as RouterContext).matched ?? []) {
      if (layer.methods.includes(ctx.method)) {
        for (const mw of layer.stack) {
          const role = (mw as { [REQUIRED_ROLE]?: Role })[REQUIRED_ROLE];
          if (role) {
            checkRole(ctx, role);
          }
        }
      }
    }
    await next();
  };
}
