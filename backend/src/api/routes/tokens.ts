import Router from '@koa/router';
import { z } from 'zod';
import { conflict, notFound } from '../../domain/errors';
import { ROLES } from '../../domain/roles';
import type { TokenRow } from '../../store/tokens';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { idParams, isoTime, tokenName } from '../validation';

const createBody = z
  .object({
    name: tokenName,
    role: z.enum(ROLES),
    /** For Grafana's plugin proxy: the only kind whose X-Grafana-User names the actor. */
    grafana: z.boolean().default(false),
    /** Refused from then on; unset: never expires. */
    expires_at: isoTime.refine((t) => t.getTime() > Date.now(), 'must be in the future').optional(),
  })
  .strict();

/**
 * API tokens, for admins, without a shell on the service's machine (the CLI needs one, and the embedded
 * database stopped): list, create (the token shown once, only its hash kept) and revoke. A token cannot revoke
 * itself, so an admin cannot lock the page out by mistake.
 */
export function tokenRoutes(deps: ApiDeps) {
  const r = new Router();
  const find = async (id: number): Promise<TokenRow> => {
    const token = (await deps.tokens.list()).find((t) => t.id === id);
    if (!token) {
      throw notFound(`token ${id}`);
    }
    return token;
  };

  r.get('/api/tokens', requireRole('admin'), async (ctx) => {
    ctx.body = { tokens: await deps.tokens.list() };
  });
  r.post('/api/tokens', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    const { token, record } = await deps.tokens.create(b.name, b.role, {
      grafana: b.grafana,
      by: ctx.state.auth.actor,
      expiresAt: b.expires_at,
    });
    deps.log.info(
      {
        token_name: record.name,
        role: record.role,
        grafana: record.grafana,
        expires_at: record.expires_at,
        by: ctx.state.auth.actor,
      },
      'API token created'
    );
    ctx.status = 201;
    ctx.body = { token, record };
  });
  r.post('/api/tokens/:id/revoke', requireRole('admin'), async (ctx) => {
    const target = await find(idParams.parse(ctx.params).id);
    if (target.name === ctx.state.auth.tokenName) {
      throw conflict(
        `token "${target.name}" is the one this request uses: revoke it with another admin token or the CLI`
      );
    }
    if (!target.revoked_at) {
      await deps.tokens.revoke(target.name, ctx.state.auth.actor);
      deps.log.info({ token_name: target.name, by: ctx.state.auth.actor }, 'API token revoked');
    }
    ctx.body = await find(target.id);
  });
  return r;
}
