import type { FagentClient } from '../fagent/client';
import { FagentError } from '../fagent/errors';
import type { Db } from '../db/db';
import { serverTargets, ServerTarget } from '../store/servers';

export interface DrainWaitResult {
  /** Every server was read with no session left (a server gone from HAProxy is not drained). */
  drained: boolean;
  waitedMs: number;
  /** Servers that still had sessions at the last look (or could not be read). */
  remaining: Array<{ serverId: number; sessions: number | null }>;
  /** Servers the agent no longer lists: not waited for, and not counted as drained. */
  gone: number[];
}

/**
 * After a drain, waits until HAProxy reports no current sessions on the drained servers (the seed's
 * orchestrator flow, docs/design.md: drain, wait, update), reading each backend fresh from its agent, so an
 * orchestrator can update safely.
 */
export class DrainWaiter {
  constructor(
    private readonly db: Db,
    private readonly client: FagentClient
  ) {}

  async wait(serverIds: number[], timeoutMs: number, pollMs = 1000): Promise<DrainWaitResult> {
    const started = Date.now();
    const servers = await serverTargets(this.db, serverIds);
    const backends = new Map<string, ServerTarget[]>();
    for (const s of servers) {
      const key = `${s.instance_id}\u0000${s.backend_name}`;
      backends.set(key, [...(backends.get(key) ?? []), s]);
    }
    const gone = new Set<number>();
    for (;;) {
      const remaining: DrainWaitResult['remaining'] = [];
      for (const group of backends.values()) {
        const g = group[0];
        const target = {
          instanceId: g.instance_id,
          instanceName: g.instance_name,
          baseUrl: g.fagent_url,
          token: g.fagent_token,
        };
        try {
          const live = new Map(
            (await this.client.getServers(target, g.backend_name, { fresh: true })).map((s) => [
              s.name,
              s.current_sessions,
            ])
          );
          for (const s of group) {
            const sessions = live.get(s.server_name);
            if (sessions === undefined) {
              gone.add(s.server_id);
              continue;
            }
            gone.delete(s.server_id);
            if (sessions > 0) {
              remaining.push({ serverId: s.server_id, sessions });
            }
          }
        } catch (err) {
          for (const s of group) {
            // A 404: the agent no longer has the backend (or the instance), so not its servers either.
            if (err instanceof FagentError && err.httpStatus === 404) {
              gone.add(s.server_id);
            } else {
              remaining.push({ serverId: s.server_id, sessions: null });
            }
          }
        }
      }
      const waitedMs = Date.now() - started;
      if (remaining.length === 0 || waitedMs + pollMs > timeoutMs) {
        return { drained: remaining.length === 0 && gone.size === 0, waitedMs, remaining, gone: [...gone] };
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
