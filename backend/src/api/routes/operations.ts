import Router from '@koa/router';
import { z } from 'zod';
import { MAX_DEADLINE_S, ON_DEADLINE, OPERATION_ACTIONS, OPERATION_STATES } from '../../domain/operation';
import type { OperationView } from '../../operations/operations';
import { callbackUrlProblem } from '../../operations/callback';
import { AuthState, hasRole, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { bodyId, checkedUrl, forceNeedsReason, limit, offset, plainText, ramp, reason } from '../validation';
import { sourceOf } from './commands';

const callbackUrl = checkedUrl(callbackUrlProblem);

const createBody = z
  .object({
    action: z.enum(OPERATION_ACTIONS, { message: `must be one of ${OPERATION_ACTIONS.join(', ')}` }),
    server_ids: z.array(bodyId).min(1).max(10_000).optional(),
    backend_id: bodyId.optional(),
    application_id: bodyId.optional(),
    max_parallel: z.number().int().min(1).max(1000).default(1),
    deadline_s: z
      .number()
      .int('deadline_s is whole seconds')
      .min(1)
      .max(MAX_DEADLINE_S, `deadline_s is at most 24 h (${MAX_DEADLINE_S} s)`)
      .optional(),
    on_deadline: z.enum(ON_DEADLINE).optional(),
    then: z.enum(['maint']).nullable().optional(),
    ramp: ramp.optional(),
    reason: reason.optional(),
    idempotency_key: plainText(200).optional(),
    callback_url: callbackUrl.optional(),
    force: z.boolean().optional(),
    dry_run: z.boolean().optional(),
    source: z.enum(['api', 'orchestrator']).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const named = [b.server_ids, b.backend_id, b.application_id].filter((x) => x !== undefined).length;
    const problem =
      named !== 1
        ? 'name the servers with exactly one of server_ids, backend_id, application_id'
        : b.action === 'ready' && (b.deadline_s !== undefined || b.on_deadline !== undefined || b.then)
          ? 'deadline_s, on_deadline and then go with drain: a ready job has none'
          : b.action === 'drain' && b.ramp
            ? 'ramp goes with ready'
            : undefined;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
    forceNeedsReason(b, ctx);
  });

const listQuery = z.object({
  state: z.enum(OPERATION_STATES).optional(),
  limit: limit(20, 100),
  offset,
});
const opParams = z.object({
  id: z
    .string()
    .uuid('must be an operation id (a UUID)')
    // PostgreSQL takes a UUID in either case but answers it in lower case, and a job's servers are looked up
    // by the id as it answers it: an id in capitals found the job and then none of its servers (a 500).
    .transform((s) => s.toLowerCase()),
});

/**
 * A job as a caller of this role may read it: a webhook's secret can only be in its callback URL's path (a query
 * is refused), so only those who may make jobs see the URL; `callback` still says whether there is one.
 */
const readableBy = (auth: AuthState) => (o: OperationView) =>
  hasRole(auth, 'operator') || o.callback_url === null ? o : { ...o, callback_url: null };

/** Drain and ready jobs: operators create and cancel them, everyone reads them; a worker runs them. */
export function operationRoutes(deps: ApiDeps) {
  const r = new Router();

  r.post('/api/haproxy/operations', requireRole('operator'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    const auth = ctx.state.auth as AuthState;
    const { status, body } = await deps.operations.create(
      {
        action: b.action,
        selection: {
          ...(b.server_ids && { server_ids: b.server_ids }),
          ...(b.backend_id !== undefined && { backend_id: b.backend_id }),
          ...(b.application_id !== undefined && { application_id: b.application_id }),
        },
        max_parallel: b.max_parallel,
        deadline_s: b.deadline_s ?? null,
        on_deadline: b.on_deadline ?? 'fail',
        then: b.action === 'drain' ? (b.then === undefined ? 'maint' : b.then) : null,
        ramp: b.ramp ?? null,
        reason: b.reason ?? null,
        idempotency_key: b.idempotency_key ?? null,
        callback_url: b.callback_url ?? null,
        force: b.force ?? false,
      },
      { actor: auth.actor, source: sourceOf(auth, b.source, 'api') },
      b.dry_run ?? false
    );
    ctx.status = status;
    ctx.body = body;
  });

  r.get('/api/haproxy/operations', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    const { operations, total } = await deps.operations.list(
      deps.readDb,
      { state: q.state },
      { limit: q.limit, offset: q.offset }
    );
    ctx.body = { operations: operations.map(readableBy(ctx.state.auth)), total };
  });

  r.get('/api/haproxy/operations/:id', async (ctx) => {
    ctx.body = readableBy(ctx.state.auth)(await deps.operations.get(opParams.parse(ctx.params).id, deps.readDb));
  });

  r.post('/api/haproxy/operations/:id/cancel', requireRole('operator'), async (ctx) => {
    const { id } = opParams.parse(ctx.params);
    ctx.body = await deps.operations.cancel(id, (ctx.state.auth as AuthState).actor);
  });

  return r;
}
