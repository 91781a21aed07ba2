import { createHash, randomUUID } from 'node:crypto';
import type { DisruptionBudgets, DryRun } from '../commands/disruption-budget';
import { selectedServerIds } from '../commands/selection';
import type { Db } from '../db/db';
import type { ActionSource } from '../domain/actions';
import { AppError, badRequest, conflict, notFound } from '../domain/errors';
import { intentOf } from '../domain/server-state';
import {
  ALREADY_IN_MAINT,
  cancelNote,
  isFinal,
  OnDeadline,
  OperationAction,
  OperationServer,
  OperationState,
  progressOf,
  Ramp,
} from '../domain/operation';
import { BudgetTarget, budgetTargets } from '../store/budgets';
import {
  cancelOperation,
  getOperation,
  holdingOperation,
  inMaintBeforeDrain,
  insertOperation,
  insertOperationServers,
  listOperations,
  lockOperation,
  OperationRow,
  operationIdByKey,
  operationServers,
  OperationSelection,
  patchOperationServers,
} from '../store/operations';
import type { Page } from '../store/sql';

export const OPERATION_CONFLICT = 'operation_conflict';

/** A job as its caller asks for it (checked at the edge: api/routes/operations.ts). */
export interface OperationRequest {
  action: OperationAction;
  selection: OperationSelection;
  max_parallel: number;
  deadline_s: number | null;
  on_deadline: OnDeadline;
  then: 'maint' | null;
  ramp: Ramp | null;
  reason: string | null;
  idempotency_key: string | null;
  callback_url: string | null;
  force: boolean;
}

/** A job as the API shows it (contract: Operation). */
export function operationView(o: OperationRow, servers: readonly OperationServer[]) {
  const deadlines = servers.map((s) => s.deadline_at?.getTime() ?? 0).filter((t) => t > 0);
  return {
    id: o.id,
    action: o.action,
    state: o.state,
    actor: o.actor,
    source: o.source,
    reason: o.reason,
    created_at: o.created_at,
    started_at: o.started_at,
    finished_at: o.finished_at,
    deadline_at: deadlines.length ? new Date(Math.max(...deadlines)) : null,
    max_parallel: o.max_parallel,
    on_deadline: o.on_deadline,
    then: o.then_state,
    ramp: o.ramp,
    selection: o.selection,
    force: o.force,
    idempotency_key: o.idempotency_key,
    callback_url: o.callback_url,
    callback: o.callback_url ? { state: o.callback_state, error: o.callback_error } : null,
    error: o.error,
    progress: progressOf(servers),
    servers: servers.map((s) => ({
      server_id: s.server_id,
      server_name: s.server_name,
      backend: s.backend_name,
      instance: s.instance_name,
      state: s.state,
      sessions: s.sessions,
      weight: s.weight,
      step: s.step,
      since: s.since,
      deadline_at: s.deadline_at,
      error: s.error,
      note: s.note,
    })),
  };
}
export type OperationView = ReturnType<typeof operationView>;

/** Objects with their keys sorted, at every depth: the same request whatever order its caller wrote it in. */
const canonical = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canonical)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])])
        )
      : v;

/** What an idempotency key is compared by: the request but its key. */
const requestHash = ({ idempotency_key: _key, ...r }: OperationRequest) =>
  createHash('sha256')
    .update(JSON.stringify(canonical(r)))
    .digest('hex');

/** Why the 23505 of a job's servers: the one active job per server (migration 1764000000007). */
const isServerHeld = (err: unknown) =>
  (err as { driverError?: { constraint?: string } }).driverError?.constraint === 'haproxy_operation_servers_active';

/**
 * Drain and ready jobs: created (validated selection, idempotency key, one open job per server), read, and
 * cancelled here; run by operations/worker.ts on whichever replica claims them, never inside the request.
 */
export class Operations {
  constructor(
    private readonly db: Db,
    private readonly budgets: DisruptionBudgets
  ) {}

  /**
   * A new job (202), the job an idempotency key already made (200), or a dry run's answer (200). 404: the
   * selection names what does not exist; 400: it names no current server; 409: a server is in an open job.
   */
  async create(
    r: OperationRequest,
    caller: { actor: string; source: ActionSource },
    dryRun: boolean
  ): Promise<{ status: 200 | 202; body: OperationView | DryRun }> {
    const hash = requestHash(r);
    if (r.idempotency_key && !dryRun) {
      const existing = await this.existing(caller.actor, r.idempotency_key, hash);
      if (existing) {
        return { status: 200, body: existing };
      }
    }
    const serverIds = await this.resolve(r.selection);
    const targets = await budgetTargets(this.db, serverIds);
    const keptOut = await this.keptOut(r, targets);
    if (dryRun) {
      return { status: 200, body: await this.dryRun(r, serverIds, keptOut) };
    }
    const id = randomUUID();
    try {
      const created = await this.db.transaction(async (tx) => {
        if (
          !(await insertOperation(tx, {
            id,
            action: r.action,
            actor: caller.actor,
            source: caller.source,
            reason: r.reason,
            selection: r.selection,
            max_parallel: r.max_parallel,
            deadline_s: r.deadline_s,
            on_deadline: r.on_deadline,
            then_state: r.then,
            ramp: r.ramp,
            force: r.force,
            idempotency_key: r.idempotency_key,
            request_hash: hash,
            callback_url: r.callback_url,
          }))
        ) {
          return false; // the same key, committed meanwhile by a concurrent request
        }
        await insertOperationServers(tx, id, targets);
        await patchOperationServers(
          tx,
          id,
          targets.flatMap((t, i) =>
            keptOut.has(t.server_id)
              ? [{ position: i + 1, patch: { state: 'done' as const, note: keptOut.get(t.server_id)! } }]
              : []
          )
        );
        return true;
      });
      if (!created) {
        return { status: 200, body: (await this.existing(caller.actor, r.idempotency_key!, hash))! };
      }
    } catch (err) {
      if (!isServerHeld(err)) {
        throw err;
      }
      throw await this.heldConflict(serverIds);
    }
    return { status: 202, body: await this.get(id) };
  }

  async get(id: string, db: Db = this.db): Promise<OperationView> {
    const o = await getOperation(db, id);
    if (!o) {
      throw notFound(`operation ${id}`);
    }
    return operationView(o, (await operationServers(db, [id])).get(id)!);
  }

  async list(
    db: Db,
    f: { state?: OperationState },
    page: Page
  ): Promise<{ operations: OperationView[]; total: number }> {
    const { operations, total } = await listOperations(db, f, page);
    const servers = await operationServers(
      db,
      operations.map((o) => o.id)
    );
    return { operations: operations.map((o) => operationView(o, servers.get(o.id)!)), total };
  }

  /**
   * Stops a job where it is: servers not started are not started, what is out stays out, and each unfinished
   * server says what it was left as. Cancelling a cancelled job answers it again; a finished one is a 409.
   */
  async cancel(id: string, actor: string): Promise<OperationView> {
    await this.db.transaction(async (tx) => {
      const o = await lockOperation(tx, id);
      if (!o) {
        throw notFound(`operation ${id}`);
      }
      if (o.state === 'cancelled') {
        return;
      }
      if (o.state === 'succeeded' || o.state === 'failed') {
        throw conflict(`operation ${id} has already finished (${o.state})`);
      }
      const spec = { action: o.action, ramp: o.ramp };
      const servers = (await operationServers(tx, [id])).get(id)!;
      const notes = servers
        .filter((s) => !isFinal(s.state))
        .map((s) => ({ position: s.position, note: cancelNote(spec, s) }));
      await cancelOperation(tx, id, notes, actor);
    });
    return this.get(id);
  }

  /** The job this actor's idempotency key made; a 409 when the key came with another request. */
  private async existing(actor: string, key: string, hash: string): Promise<OperationView | undefined> {
    const id = await operationIdByKey(this.db, actor, key);
    if (!id) {
      return undefined;
    }
    const o = await getOperation(this.db, id);
    if (o && o.request_hash !== hash) {
      throw conflict(`idempotency_key "${key}" was used for another request (operation ${id})`);
    }
    return this.get(id);
  }

  /** The current servers a selection names: as listed (a 404 for one that is not current), else in id order. */
  private async resolve(sel: OperationSelection): Promise<number[]> {
    const ids = await selectedServerIds(this.db, {
      serverIds: sel.server_ids,
      backendId: sel.backend_id,
      applicationId: sel.application_id,
    });
    if (sel.server_ids) {
      // The caller's order: a rolling job goes through them as listed.
      return [...new Set(sel.server_ids)];
    }
    if (ids.length === 0) {
      throw badRequest('the selection has no current server: a job needs at least one');
    }
    return ids;
  }

  /**
   * The servers a ready job leaves as they are, with why. With a ramp: those ready at their full weight already
   * (ramped, they would lose traffic they take, and the first step could be refused as a take-out; the dry run
   * says `skip` for them too). By backend or application: those the last drain job found already in maint (out
   * for another reason: a deploy's ready phase brings back only what its drain took out); servers listed by id
   * are set ready as named.
   */
  private async keptOut(r: OperationRequest, targets: BudgetTarget[]): Promise<Map<number, string>> {
    const kept = new Map<number, string>();
    if (r.action !== 'ready') {
      return kept;
    }
    if (r.ramp) {
      for (const t of targets) {
        const full = t.initial_weight === null ? t.weight > 0 : t.weight >= t.initial_weight;
        if (intentOf({ adminState: t.admin_state, maintSource: t.maint_source }) === 'ready' && full) {
          kept.set(t.server_id, 'already ready at its full weight: not ramped');
        }
      }
    }
    if (!r.selection.server_ids) {
      const ids = targets.map((t) => t.server_id);
      for (const [serverId, opId] of await inMaintBeforeDrain(this.db, ids, ALREADY_IN_MAINT)) {
        kept.set(serverId, `left in maint: it was in maint before drain job ${opId}, which did not take it out`);
      }
    }
    return kept;
  }

  private async dryRun(r: OperationRequest, serverIds: number[], keptOut: Map<number, string>): Promise<DryRun> {
    // A forced job goes past the budgets: its dry run says so, as the bulk's does.
    const wait = r.deadline_s === null ? 'until it does, or the job is cancelled' : `up to ${r.deadline_s} s`;
    const preview = await this.budgets.preview(
      serverIds,
      r.action,
      undefined,
      r.force,
      `(the job would wait for the budget ${wait})`
    );
    for (const s of preview.servers) {
      if (keptOut.has(s.server_id)) {
        s.would = 'skip';
        s.reason = keptOut.get(s.server_id)!;
      }
    }
    return preview;
  }

  private async heldConflict(serverIds: number[]): Promise<AppError> {
    const held = await holdingOperation(this.db, serverIds);
    if (!held) {
      return conflict('a server of the selection was taken by another operation meanwhile: try again');
    }
    return new AppError(
      409,
      OPERATION_CONFLICT,
      `server ${held.server_names[0]} is in operation ${held.operation_id} (${held.state})`,
      { operation_id: held.operation_id, server_ids: held.server_ids }
    );
  }
}
