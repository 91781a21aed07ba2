import { setMaxListeners } from 'node:events';
import type { FagentClient, FagentTarget } from './client';

/** One HAProxy instance as an agent test saw it. */
export interface InstanceProbe {
  name: string;
  reachable: boolean;
  /** How long the agent took to list the instance's backends. */
  latency_ms?: number;
  backends?: number;
  /** HAProxy's version, when the agent offers /info (or /state). */
  version?: string;
  /**
   * Why it could not be read, in the client's words (the request named, never the answer's body). With
   * `reachable` true: the backend list came but the agent's /state, which the sync reads, failed, whole or for
   * some backends.
   */
  error?: string;
}

export interface AgentProbe {
  /** Every instance asked for answered, its /state (when offered) whole. */
  ok: boolean;
  /** The whole test, all instances together. */
  latency_ms: number;
  version?: string;
  instances: InstanceProbe[];
  /** The first instance's error when none answered. */
  error?: string;
}

export interface ProbeRequest {
  baseUrl: string;
  /** Undefined or null: the client's default token (HAPROXY_FAGENT_TOKEN), as a sync of such a host would. */
  token?: string | null;
  instances: readonly string[];
  /** Ends the whole test (every read, retries included). */
  signal?: AbortSignal;
}

// Probes run under ids no instance has, so an unsaved URL or token never lands in a real instance's cache,
// breaker or "endpoint unsupported" memory; each id is forgotten when its probe ends.
let nextProbeId = -1;

/**
 * An agent test, as an admin asks for it before or after saving a host: each instance's backend list, its
 * /state when the agent offers it (what the sync then reads instead), and HAProxy's version when the agent offers
 * /info or /state, read fresh, outside the instances' breakers.
 */
export async function probeAgent(client: FagentClient, req: ProbeRequest): Promise<AgentProbe> {
  const started = Date.now();
  if (req.signal) {
    // Every instance's read listens to the one signal at once: many listeners are expected, not a leak.
    setMaxListeners(0, req.signal);
  }
  const instances = await Promise.all(
    req.instances.map(async (name): Promise<InstanceProbe> => {
      const target: FagentTarget = {
        instanceId: nextProbeId--,
        instanceName: name,
        baseUrl: req.baseUrl,
        token: req.token,
      };
      const readStarted = Date.now();
      try {
        const backends = await client.getBackends(target, { fresh: true, signal: req.signal });
        const latency = Date.now() - readStarted;
        // The sync reads /state when offered: an agent whose /state fails would pass on /backends alone.
        let error: string | undefined;
        const state = await client.getState(target, { fresh: true, signal: req.signal }).catch((err: Error) => {
          error = err.message;
          return undefined;
        });
        const failed = state?.backends.filter((b) => b.error !== undefined) ?? [];
        if (failed.length > 0) {
          const each = failed.map((b) => `${b.name}: ${b.error}`).join('; ');
          // Bounded as the sync's partial note is.
          error = `${failed.length} backend(s) could not be read: ${each}`.slice(0, 2000);
        }
        // The version only informs: an agent without a working /info (or /state info) still passes the test.
        const info =
          state?.info ?? (await client.getInfo(target, { fresh: true, signal: req.signal }).catch(() => undefined));
        // A name listed twice is one backend, as the sync stores it.
        const count = new Set(backends).size;
        return { name, reachable: true, latency_ms: latency, backends: count, version: info?.version, error };
      } catch (err) {
        return { name, reachable: false, error: (err as Error).message };
      } finally {
        client.forget(target.instanceId);
      }
    })
  );
  const reachable = instances.filter((i) => i.reachable);
  return {
    ok: instances.length > 0 && instances.every((i) => i.reachable && i.error === undefined),
    latency_ms: Date.now() - started,
    version: reachable.find((i) => i.version)?.version,
    instances,
    error: reachable.length === 0 ? instances[0]?.error : undefined,
  };
}
