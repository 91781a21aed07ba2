import Router from '@koa/router';
import { suspiciousAnswer } from '../../domain/held-removal';
import { databaseNow } from '../../store/clock';
import { confirmHeldRemoval } from '../../sync/held-removals';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { idParams } from '../validation';

/** A removal the sync held (no wipe from one answer), applied now by an admin: audited with the admin's name. */
export function removalRoutes(deps: ApiDeps) {
  const r = new Router();
  r.post('/api/haproxy/instances/:id/removals/confirm', requireRole('admin'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    const auth = ctx.state.auth as AuthState;
    const done = await confirmHeldRemoval(
      deps.db,
      instanceId,
      { actor: auth.actor, source: auth.viaGrafana ? 'ui' : 'api' },
      // The shared clock: removed_at and the audit row agree with what syncs on other replicas write.
      await databaseNow(deps.db)
    );
    deps.fleetCounts.invalidate();
    ctx.body = {
      instance_id: instanceId,
      confirmed: suspiciousAnswer(done.hold),
      removed_backends: done.hold.backendIds.length,
      removed_servers: done.removedServers,
      action: done.action,
    };
  });
  return r;
}
