import type { Context, Next } from 'koa';
import { bearerToken, invalidToken } from '../auth/bearer';
import type { TokenStore } from '../auth/tokens';
import { AppError } from '../domain/errors';
import { Role, ROLE_RANK } from '../domain/roles';

export interface AuthState {
  tokenName: string;
  role: Role;
  /** The person behind the request: Grafana's login when the plugin proxy sent it, else the token's name. */
  actor: string;
  viaGrafana: boolean;
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
    const token = await tokens.verify(bearerToken(ctx.get('authorization')));
    if (!token) {
      throw invalidToken();
    }
    const grafanaUser = ctx.get(GRAFANA_USER_HEADER).trim().slice(0, 200);
    ctx.state.auth = {
      tokenName: token.name,
      role: token.role,
      actor: grafanaUser ? `grafana:${grafanaUser}` : `token:${token.name}`,
      viaGrafana: grafanaUser !== '',
    };
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

export function requireRole(role: Role) {
  return async (ctx: Context, next: Next) => {
    const auth = ctx.state.auth as AuthState;
    if (ROLE_RANK[auth.role] < ROLE_RANK[role]) {
      throw new AppError(403, 'forbidden', `this needs the ${role} role; token "${auth.tokenName}" has ${auth.role}`);
    }
    await next();
  };
}
