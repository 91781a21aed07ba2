import type { FagentClient } from '../fagent/client';
import type { Db } from '../db/db';
import { serverTargets } from '../store/servers';
import { readFresh } from './fresh-read';

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
 * orchestrator can update safely. The older way, inside one request: drain jobs (operations/) wait in the
 * backend, set maint, apply a deadline, and survive a restart.
 */
export class DrainWaiter {
  constructor(
    private readonly db: Db,
    private readonly client: FagentClient
  ) {}

  async wait(serverIds: number[], timeoutMs: number, pollMs = 1000): Promise<DrainWaitResult> {
    const started = Date.now();
    const servers = await serverTargets(this.db, serverIds);
    for (;;) {
      // A look ends with the wait (at least a poll interval for it): an agent that hangs, with its retries, would
      // otherwise hold the answer well past wait_drained_s.
      const left = Math.max(timeoutMs - (Date.now() - started), pollMs);
      const seen = await readFresh(this.client, servers, undefined, AbortSignal.timeout(left));
      const remaining: DrainWaitResult['remaining'] = [];
      const gone: number[] = [];
      for (const [serverId, s] of seen) {
        if ('gone' in s) {
          gone.push(serverId);
        } else if ('error' in s) {
          remaining.push({ serverId, sessions: null });
        } else if (s.server.current_sessions > 0) {
          remaining.push({ serverId, sessions: s.server.current_sessions });
        }
      }
      const waitedMs = Date.now() - started;
      if (remaining.length === 0 || waitedMs >= timeoutMs) {
        return { drained: remaining.length === 0 && gone.length === 0, waitedMs, remaining, gone };
      }
      // The last look is at the end of the wait, not a poll interval before it: a wait shorter than the interval
      // (wait_drained_s 0.5) still looks again, and sessions that end late in the wait count.
      await new Promise((r) => setTimeout(r, Math.min(pollMs, timeoutMs - waitedMs)));
    }
  }
}
