import Router from '@koa/router';
import { z } from 'zod';
import type { CommandContext } from '../../commands/server-command';
import { within } from '../../concurrency/within';
import type { ActionSource } from '../../domain/actions';
import { badRequest, conflict, notFound } from '../../domain/errors';
import { AGENT_COMMANDS } from '../../domain/status';
import { windowEnd } from '../../domain/window';
import { canonicalWeight, weightSettingProblem, WeightSetting } from '../../fagent/client';
import { changedFields, lockForChange, pathName, recordAdminChange } from '../../store/admin-changes';
import { applicationExists } from '../../store/applications';
import { inactiveRefusal, instanceExists } from '../../store/instances';
import { mapServerManually, releaseServerMapping } from '../../store/servers';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { bodyId, boolParam, count, forceNeedsReason, idParams, ramp, reason, windowFields } from '../validation';
import { loadServer } from './servers';

const command = z.enum(AGENT_COMMANDS, { message: `must be one of ${AGENT_COMMANDS.join(', ')}` });
const callerSource = z.enum(['api', 'orchestrator']).optional();
const weight = z
  .union([z.number(), z.string()])
  .superRefine((w, ctx) => {
    const problem = weightSettingProblem(w);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  })
  .transform((w) => canonicalWeight(w as WeightSetting));

/** What a command carries besides its target: why, a maintenance window's end, a weight, past a budget or not. */
const commandFields = {
  command,
  reason: reason.optional(),
  ...windowFields,
  weight: weight.optional(),
  force: z.boolean().optional(),
};

type CommandFields = z.infer<z.ZodObject<typeof commandFields>>;

/** The rules across fields of a command body, as one refinement. */
function commandRules(b: CommandFields, ctx: z.RefinementCtx): void {
  const problem =
    (b.until !== undefined || b.duration_s !== undefined) && b.command !== 'drain' && b.command !== 'maint'
      ? `a maintenance window (until, duration_s) goes with drain or maint, not ${b.command}`
      : b.command === 'weight' && b.weight === undefined
        ? 'the weight command needs "weight": N or "N%"'
        : b.command !== 'weight' && b.weight !== undefined
          ? 'weight goes with the weight command only'
          : undefined;
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
  }
  forceNeedsReason(b, ctx);
}

/**
 * The caller's part of a command's context: its reason, the window's end (400 when it cannot be), its weight.
 * A `duration_s` counts from the database's time (`now`), the clock every replica ends windows by.
 */
function commandOptions(b: CommandFields, now: Date): Pick<CommandContext, 'reason' | 'until' | 'weight' | 'force'> {
  const end = windowEnd({ until: b.until, durationS: b.duration_s }, now);
  if (end && 'problem' in end) {
    throw badRequest(end.problem);
  }
  return {
    reason: b.reason ?? null,
    until: end?.end ?? null,
    weight: b.weight as WeightSetting | undefined,
    force: b.force ?? false,
  };
}

const commandBody = z
  .object({
    ...commandFields,
    source: callerSource,
    /** ready only: a gradual return, run as a one-server job (202 with the operation). */
    ramp: ramp.optional(),
  })
  .strict()
  .superRefine(commandRules)
  .refine((b) => b.ramp === undefined || b.command === 'ready', 'ramp goes with the ready command');
const mappingBody = z
  .object({
    application_id: bodyId.nullable(),
    /** `auto` hands the server back to auto-mapping (decided at the next sync). */
    kind: z.enum(['manual', 'auto']).default('manual'),
  })
  .strict();
/** A server's mapping as the admin change log keeps it. */
const mappingOf = (s: {
  application_id: number | null;
  application_name: string | null;
  mapping_kind: string | null;
}) => ({
  application_id: s.application_id,
  application_name: s.application_name,
  mapping_kind: s.mapping_kind,
});
const bulkBody = z
  .object({
    ...commandFields,
    server_ids: z.array(bodyId).min(1).max(10_000).optional(),
    backend_id: bodyId.optional(),
    application_id: bodyId.optional(),
    concurrency: z.number().int().min(1).max(64).default(8),
    source: callerSource,
    /**
     * drain only: answer once HAProxy reports no sessions on the drained servers, or after this many seconds (the
     * older way: a drain job waits in the backend, then sets maint, and survives a restart).
     */
    wait_drained_s: z.number().min(0).max(900).optional(),
    /** Answer what the disruption budgets would decide, server by server, and do nothing. */
    dry_run: z.boolean().optional(),
  })
  .strict()
  .superRefine(commandRules)
  .refine(
    (b) => b.server_ids || b.backend_id || b.application_id,
    'name the servers: server_ids, backend_id or application_id'
  )
  .refine((b) => b.wait_drained_s === undefined || b.command === 'drain', 'wait_drained_s goes with the drain command');

/** A ready with a ramp on one server: a job of that server alone, with the defaults of a job. */
const SINGLE_SERVER_JOB = {
  action: 'ready',
  max_parallel: 1,
  deadline_s: null,
  on_deadline: 'fail',
  then: null,
  idempotency_key: null,
  callback_url: null,
  force: false,
} as const;

/** The longest a manual sync's caller may ask to wait for its outcome (wait_ms). */
const MAX_SYNC_WAIT_MS = 60_000;

/** Requests through Grafana are the UI's; other callers say whether they are an orchestrator. */
export function sourceOf(
  auth: AuthState,
  declared: 'api' | 'orchestrator' | undefined,
  fallback: ActionSource
): ActionSource {
  if (auth.viaGrafana) {
    return 'ui';
  }
  return declared ?? fallback;
}

/** Everything that changes HAProxy or our mapping of it: commands, bulk commands, sync, mapping. */
export function commandRoutes(deps: ApiDeps) {
  // A window's end counts from the database's time; a command without one needs no clock of it.
  const windowClock = (b: CommandFields) =>
    b.until !== undefined || b.duration_s !== undefined ? deps.windows.now() : Promise.resolve(new Date());

  const r = new Router();

  r.post('/api/haproxy/servers/:id/command', requireRole('operator'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    const b = commandBody.parse(ctx.request.body ?? {});
    const auth = ctx.state.auth as AuthState;
    if (b.ramp) {
      const created = await deps.operations.create(
        {
          ...SINGLE_SERVER_JOB,
          selection: { server_ids: [serverId] },
          ramp: b.ramp,
          reason: b.reason ?? null,
        },
        { actor: auth.actor, source: sourceOf(auth, b.source, 'api') },
        false
      );
      ctx.status = 202;
      ctx.body = { operation: created.body };
      return;
    }
    const result = await deps.commands.execute(serverId, b.command, {
      actor: auth.actor,
      source: sourceOf(auth, b.source, 'api'),
      ...commandOptions(b, await windowClock(b)),
    });
    if (!result.ok) {
      throw result.error;
    }
    deps.fleetCounts.invalidate();
    ctx.body = { action: result.action, server: await loadServer(deps.db, serverId) };
  });

  r.post('/api/haproxy/commands/bulk', requireRole('operator'), async (ctx) => {
    const b = bulkBody.parse(ctx.request.body ?? {});
    const auth = ctx.state.auth as AuthState;
    const options = commandOptions(b, await windowClock(b));
    const serverIds = await deps.bulk.resolve({
      serverIds: b.server_ids,
      backendId: b.backend_id,
      applicationId: b.application_id,
    });
    if (serverIds.length === 0) {
      throw badRequest('no current server matches the selection');
    }
    if (b.dry_run) {
      ctx.body = await deps.budgets.preview(serverIds, b.command, b.weight, options.force);
      return;
    }
    const result = await deps.bulk.execute(
      serverIds,
      b.command,
      { actor: auth.actor, source: sourceOf(auth, b.source, 'bulk'), ...options },
      b.concurrency
    );
    deps.fleetCounts.invalidate();
    // The budget decided in id order (bulk.ts); the answer lists the servers as the caller did.
    const byId = new Map(result.results.map((x) => [x.serverId, x]));
    const results = b.server_ids ? [...new Set(b.server_ids)].map((id) => byId.get(id)!) : result.results;
    const failed = result.results.filter((x) => !x.ok).length;
    const drainedIds = result.results.filter((x) => x.ok).map((x) => x.serverId);
    // Asked for, drain_wait is always there (the contract), also when no drain went through: nothing to wait for.
    const wait =
      b.wait_drained_s === undefined
        ? undefined
        : drainedIds.length > 0
          ? await deps.drainWaiter.wait(drainedIds, b.wait_drained_s * 1000)
          : { drained: false, waitedMs: 0, remaining: [], gone: [] };
    ctx.body = {
      operation_id: result.operationId,
      command: b.command,
      total: result.results.length,
      succeeded: result.results.length - failed,
      failed,
      results: results.map((x) => ({
        server_id: x.serverId,
        ok: x.ok,
        action_id: x.actionId,
        ...(x.error ? { error: x.error } : {}),
        ...(x.note ? { note: x.note } : {}),
        ...(x.errorCode ? { error_code: x.errorCode } : {}),
        ...(x.details ? { details: x.details } : {}),
      })),
      ...(wait && {
        drain_wait: {
          // A server whose drain failed (its agent down, a budget's refusal) is not drained, as a gone one is
          // not: an orchestrator that reads only `drained` must not update it while it takes traffic.
          drained: wait.drained && failed === 0,
          waited_ms: wait.waitedMs,
          remaining: wait.remaining.map((r) => ({ server_id: r.serverId, sessions: r.sessions })),
          gone: wait.gone,
        },
      }),
    };
  });

  r.put('/api/haproxy/servers/:id/mapping', requireRole('operator'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    const b = mappingBody.parse(ctx.request.body ?? {});
    if (b.kind === 'auto' && b.application_id !== null) {
      throw badRequest('kind "auto" takes application_id null: the next sync decides');
    }
    ctx.body = await deps.db.transaction(async (tx) => {
      if (!(await lockForChange(tx, 'haproxy_servers', serverId))) {
        throw notFound(`server ${serverId}`);
      }
      const before = await loadServer(tx, serverId);
      if (before.removed_at) {
        // As a command: no sync maps or shows it any more, so the change would wait unseen for a restore.
        throw conflict(
          `server ${before.server_name} of backend ${before.backend_name} is no longer in HAProxy's configuration: restore it to map it`
        );
      }
      if (b.kind === 'auto') {
        await releaseServerMapping(tx, serverId);
      } else {
        if (b.application_id !== null && !(await applicationExists(tx, b.application_id))) {
          throw notFound(`application ${b.application_id}`);
        }
        // A manual unmap (null) is kept as manual too, so auto-mapping does not put it back.
        await mapServerManually(tx, serverId, b.application_id);
      }
      const after = await loadServer(tx, serverId);
      const changed = changedFields(mappingOf(before), mappingOf(after));
      if (changed) {
        const name = (await pathName(tx, 'server', serverId)) ?? after.server_name;
        await recordAdminChange(tx, {
          actor: (ctx.state.auth as AuthState).actor,
          entityKind: 'server',
          entityId: serverId,
          entityName: name,
          action: 'mapping_set',
          summary:
            `server ${name} mapped to ` +
            (b.kind === 'auto' ? 'auto-mapping' : (after.application_name ?? 'no application (manual)')),
          ...changed,
        });
      }
      return after;
    });
  });

  r.post('/api/haproxy/instances/:id/sync', requireRole('operator'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    const { wait, wait_ms: waitMs } = z
      .object({
        wait: boolParam.default(false),
        wait_ms: count(0, MAX_SYNC_WAIT_MS).optional(),
      })
      .parse(ctx.query);
    if (!(await instanceExists(deps.db, instanceId))) {
      throw notFound(`instance ${instanceId}`);
    }
    const inactive = await inactiveRefusal(deps.db, instanceId, 'sync it');
    if (inactive) {
      throw inactive;
    }
    const run = deps.scheduler.syncInstance(instanceId, { fresh: true });
    run.catch((err) => deps.log.error({ err: (err as Error).message, instance_id: instanceId }, 'manual sync failed'));
    // wait_ms bounds the wait (a proxy in front, such as Grafana's, gives up after its own timeout): past it
    // the sync goes on and the answer is the same 202 as without waiting.
    const o = wait || waitMs !== undefined ? await within(run, waitMs) : undefined;
    if (o) {
      ctx.body = {
        instance_id: instanceId,
        status: o.status,
        error: o.error ?? null,
        duration_ms: o.durationMs,
        backends: o.backends ?? null,
        servers: o.servers ?? null,
        changed_servers: o.changedServers ?? null,
        removed_backends: o.removedBackends ?? null,
        removed_servers: o.removedServers ?? null,
        removals_held: o.removalsHeld ?? null,
        fenced_servers: o.fencedServers ?? null,
        ambiguous_mappings: o.ambiguousMappings ?? null,
        restarted: o.restarted ?? null,
        drifting: o.drifting ?? null,
        reapplied: o.reapplied ?? null,
        reapply_failed: o.reapplyFailed ?? null,
      };
      return;
    }
    ctx.status = 202;
    ctx.body = { accepted: true, instance_id: instanceId };
  });

  return r;
}
