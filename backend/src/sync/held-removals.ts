import { ActionSource, SYSTEM_ACTOR } from '../domain/actions';
import { conflict, notFound } from '../domain/errors';
import type { RemovalHold } from '../domain/held-removal';
import type { Db } from '../db/db';
import { ActionRow, recordAction } from '../store/actions';
import { lockInstanceRow, recordHeldRemoval } from '../store/instances';
import { confirmationNote } from './removal-guard';
import { softDelete } from './sync-store';

/** The audit row of a held removal that was applied: by the sync (it came again) or by an admin. */
export function auditRemovalConfirmation(
  db: Db,
  instance: { id: number; name: string },
  note: string,
  at: Date,
  by: { actor: string; source: ActionSource } = { actor: SYSTEM_ACTOR, source: 'sync' }
): Promise<ActionRow> {
  return recordAction(db, {
    serverId: null,
    instanceId: instance.id,
    instanceName: instance.name,
    backendName: '',
    serverName: '',
    command: 'confirm_removals',
    actor: by.actor,
    source: by.source,
    startedAt: at,
    result: 'success',
    note,
    durationMs: 0,
  });
}

export interface ConfirmedRemoval {
  hold: RemovalHold;
  /** Servers soft-deleted now (with those of the removed backends). */
  removedServers: number;
  action: ActionRow;
}

/**
 * An admin applies the removal the sync holds for an instance: what it held, in one transaction with its
 * audit row and the servers' `removed` history rows. Under the instance's row lock, as a sync's write, so a
 * sync that read the agent meanwhile sees the removal done and the hold gone.
 */
export function confirmHeldRemoval(
  db: Db,
  instanceId: number,
  by: { actor: string; source: ActionSource },
  at: Date
): Promise<ConfirmedRemoval> {
  return db.transaction(async (tx) => {
    const row = await lockInstanceRow(tx, instanceId);
    if (!row) {
      throw notFound(`instance ${instanceId}`);
    }
    const hold = row.held_removal;
    if (!hold) {
      throw conflict(`instance ${instanceId} has no held removal to confirm`);
    }
    const note = confirmationNote(hold, { actor: by.actor });
    const removedServers = await softDelete(tx, hold.backendIds, hold.serverIds, at, note);
    await recordHeldRemoval(tx, instanceId, null);
    const action = await auditRemovalConfirmation(tx, { id: instanceId, name: row.name }, note, at, by);
    return { hold, removedServers, action };
  });
}
