import { advisoryXactLock } from '../db/advisory-lock';
import type { Db } from '../db/db';
import { InstanceInput, updateInstance } from '../store/instances';
import { retireBackendsOutOfScope } from '../store/removed';

/**
 * An instance's settings changed; a new polling scope also retires the current backends it leaves out (they
 * move to "Recently removed", reason: outside the scope), since no sync would refresh them again. Under the
 * instance's sync lock, so a sync that read with the old scope cannot write those backends back afterwards.
 * Returns false when there is no such instance, else the names retired.
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
    return scope ? retireBackendsOutOfScope(tx, instanceId, scope, new Date()) : [];
  });
}
