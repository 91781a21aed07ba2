import { advisoryXactLock } from '../db/advisory-lock';
import type { Db } from '../db/db';
import { conflict } from '../domain/errors';
import { InstanceInput, updateInstance, windowsOutOfScope } from '../store/instances';
import { retireBackendsOutOfScope } from '../store/removed';

/**
 * An instance's settings changed; a new polling scope also retires the current backends it leaves out (they
 * move to "Recently removed", reason: outside the scope), since no sync would refresh them again. Under the
 * instance's sync lock, so a sync that read with the old scope cannot write those backends back afterwards.
 * A scope that would retire a server in a maintenance window is refused (409). Returns false when there is no
 * such instance, else the names retired.
 */
export async function updateInstanceSettings(
  db: Db,
  instanceId: number,
  changes: Partial<Omit<InstanceInput, 'host_id'>>
): Promise<false | string[]> {
  const scope = changes.backend_scope;
  if (scope === undefined) {
    return (await updateInstance(db, instanceId, changes)) && [];
  }
  return db.transaction(async (tx) => {
    await advisoryXactLock(tx, instanceId);
    if (!(await updateInstance(tx, instanceId, changes))) {
      return false;
    }
    // A retired server is still in HAProxy, but its window's end would take it for gone and close the window
    // without the ready: drained for good, and adopted as such once the scope takes it in again.
    const windows = scope ? await windowsOutOfScope(tx, instanceId, scope) : [];
    if (windows.length > 0) {
      throw conflict(
        `the new scope leaves out servers in a maintenance window (${windows.slice(0, 10).join(', ')}` +
          `${windows.length > 10 ? ` and ${windows.length - 10} more` : ''}): end their windows first, or wait for them to end`
      );
    }
    return scope ? retireBackendsOutOfScope(tx, instanceId, scope, new Date()) : [];
  });
}
