import { setMaxListeners } from 'node:events';
import type { FagentClient, FagentTarget } from './client';

/** One HAProxy instance as an agent test saw it. */
export interface InstanceProbe {
  name: string;
  reachable: boolean;
  /** How long the agent took to list the instance's backends. */
  latency_ms?: number;
  backends?: number;
  /** HAProxy's version, when the agent offers /info. */
  version?: string;
  /** Why it could not be read, in the client's words (the request named, never the answer's body). */
  error?: string;
}

export interface AgentProbe {
  /** Every instance asked for answered. */
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
 * An agent test, as an admin asks for it before or after saving a host: each instance's backend list (and
 * HAProxy's version when the agent offers /info), read fresh, outside the instances' breakers.
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
        // The version only informs: an agent without a working /info still passes the test.
        const info = await client.getInfo(target, { fresh: true, signal: req.signal }).catch(() => undefined);
        // A name listed twice is one backend, as the sync stores it.
        const count = new Set(backends).size;
        return { name, reachable: true, latency_ms: latency, backends: count, version: info?.version };
      } catch (err) {
        return { name, reachable: false, error: (err as Error).message };
      } finally {
        client.forget(target.instanceId);
      }
    })
  );
  const reachable = instances.filter((i) => i.reachable);
  return {
    ok: instances.length > 0 && reachable.length === instances.length,
    latency_ms: Date.now() - started,
    version: reachable.find((i) => i.version)?.version,
    instances,
    error: reachable.length === 0 ? instances[0]?.error : undefined,
  };
}
