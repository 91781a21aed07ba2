import { mapLimited } from '../concurrency/limiter';
import type { FagentClient } from '../fagent/client';
import { FagentError } from '../fagent/errors';
import type { FagentServer } from '../fagent/schemas';
import type { ServerTarget } from '../store/servers';

/** What the agent says of one server now: its row, gone from HAProxy, or why it could not be read. */
export type FreshServer = { server: FagentServer } | { gone: true } | { error: string };

/**
 * These servers as HAProxy reports them now, read fresh from their agents (never the cache): one read per
 * backend, `concurrency` backends at a time. What orchestrators and jobs wait on (sessions reaching 0, a server
 * coming back up) must not be a cached answer.
 */
export async function readFresh(
  client: FagentClient,
  servers: readonly ServerTarget[],
  concurrency = 8,
  signal?: AbortSignal
): Promise<Map<number, FreshServer>> {
  const backends = new Map<string, ServerTarget[]>();
  for (const s of servers) {
    const key = `${s.instance_id}\u0000${s.backend_name}`;
    backends.set(key, [...(backends.get(key) ?? []), s]);
  }
  const seen = new Map<number, FreshServer>();
  await mapLimited([...backends.values()], concurrency, async (group) => {
    const g = group[0];
    const target = {
      instanceId: g.instance_id,
      instanceName: g.instance_name,
      baseUrl: g.fagent_url,
      token: g.fagent_token,
    };
    try {
      const live = new Map<string, FagentServer>();
      for (const s of await client.getServers(target, g.backend_name, { fresh: true, signal })) {
        // A name listed twice: the first counts, as in the sync (planSync) and a command's read back.
        if (!live.has(s.name)) {
          live.set(s.name, s);
        }
      }
      for (const s of group) {
        const server = live.get(s.server_name);
        seen.set(s.server_id, server ? { server } : { gone: true });
      }
    } catch (err) {
      // A 404: the agent no longer has the backend (or the instance), so not its servers either.
      const gone = err instanceof FagentError && err.httpStatus === 404;
      for (const s of group) {
        seen.set(
          s.server_id,
          gone ? { gone: true } : { error: `could not read the server: ${(err as Error).message}` }
        );
      }
    }
  });
  return seen;
}
