/**
 * The whole chain for end-to-end tests, nothing faked: upstream HTTP servers -> a real HAProxy -> the
 * reference agent over its stats socket -> the real backend (its own PostgreSQL database) -> its REST API.
 * Everything listens on 127.0.0.1 only; `stop()` tears down all of it.
 */
import { RunningAgent, startAgentServer } from '../../backend/src/agent/server';
import { parseServersState } from '../../backend/src/agent/servers-state';
import type { AppConfig } from '../../backend/src/config';
import {
  freePort,
  startHaproxy,
  startUpstream,
  TestHaproxy,
  TestHaproxyConfig,
  Upstream,
} from '../../backend/test/support/haproxy';
import { registerInstance, startTestService, TestService } from '../../backend/test/support/service';

export type { TestHaproxyConfig } from '../../backend/test/support/haproxy';

const AGENT_TOKEN = 'e2e-agent-token-0123456789abcdef';

/** Upstreams the HAProxy configs point at: health checks pass, fail (HTTP 500), or cannot connect. */
export interface Upstreams {
  healthy: Upstream;
  failing: Upstream;
  /** "127.0.0.1:port" where nothing listens. */
  deadAddress: string;
}

/** A row of GET /api/haproxy/servers. */
export interface StoredServer {
  id: number;
  backend_id: number;
  backend_name: string;
  instance_id: number;
  server_name: string;
  address: string;
  status: string;
  raw_status: string;
  weight: number;
  current_sessions: number;
  max_sessions: number;
  status_changed_at: string;
  admin_state: 'ready' | 'drain' | 'maint' | null;
  maint_source: string | null;
  operational_state: 'up' | 'down' | 'starting' | 'stopping' | null;
  initial_weight: number | null;
  /** "backend/server" it follows through `track`. */
  tracks: string | null;
  backup: boolean | null;
  desired: {
    admin_state: string;
    actor: string;
    reason: string | null;
    source: string;
    set_at: string;
    until: string | null;
  } | null;
  drift: {
    since: string;
    desired: string;
    actual: string | null;
    cause: string;
    policy: string;
    attempts: number;
  } | null;
}

/** A row of GET /api/haproxy/servers/{id}/history. */
export interface HistoryRow {
  id: number;
  server_id: number;
  from_status: string | null;
  to_status: string;
  raw_status: string;
  admin_from: string | null;
  admin_to: string | null;
  operational_from: string | null;
  operational_to: string | null;
  cause: 'sync' | 'restored' | 'removed' | 'command' | 'reload' | 'reconcile' | 'schedule' | 'external';
}

/** A row of GET /api/haproxy/actions. */
export interface ActionRow {
  id: number;
  server_id: number;
  instance_name: string;
  backend_name: string;
  server_name: string;
  command: string;
  actor: string;
  source: string;
  success: boolean;
  result: string;
  error: string | null;
  reason: string | null;
  until: string | null;
  status_before: string | null;
  status_after: string | null;
}

/** The answer of POST /api/haproxy/instances/{id}/sync?wait=true. */
export interface SyncAnswer {
  instance_id: number;
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  error: string | null;
  backends: number | null;
  servers: number | null;
  changed_servers: number | null;
  /** The answer would have removed too much at once: nothing was removed (see the instance's suspicious_answer). */
  removals_held: boolean | null;
  /** The answer came from a new HAProxy process; servers whose desired state it lost; those re-applied. */
  restarted: boolean | null;
  drifting: number | null;
  reapplied: number | null;
}

/** HTTP health checks against the upstreams' /health (the failing upstream answers 500). */
export const HEALTH_CHECK = ['option httpchk GET /health'];

/** One backend `web` with HTTP health checks and the given servers: the shape most tests need. */
export function webBackend(servers: (u: Upstreams) => NonNullable<TestHaproxyConfig['backends']>[number]['servers']) {
  return (u: Upstreams): TestHaproxyConfig => ({
    backends: [{ name: 'web', lines: HEALTH_CHECK, servers: servers(u) }],
  });
}

export interface StackOptions {
  /** The HAProxy config, built on the stack's upstreams. */
  haproxy: (u: Upstreams) => TestHaproxyConfig;
  /** Backend config overrides (breaker, timeouts, retries). */
  service?: Partial<AppConfig>;
  /** The instance's name at the agent and in the backend. */
  instanceName?: string;
}

export interface Stack {
  upstreams: Upstreams;
  haproxy: TestHaproxy;
  service: TestService;
  instanceId: number;
  /** Where the agent listens; the same across stopAgent/startAgent. */
  agentUrl: string;
  /** A manual sync, answered when it is done; fails the test unless the API answers 200. */
  sync(): Promise<SyncAnswer>;
  /** Current (not removed) servers of the instance, as the API lists them. */
  servers(): Promise<StoredServer[]>;
  server(backend: string, name: string): Promise<StoredServer>;
  history(serverId: number): Promise<HistoryRow[]>;
  actions(serverId: number): Promise<ActionRow[]>;
  /** POST .../command as the operator (with a reason, a window...); returns the raw answer (status and body). */
  command(
    serverId: number,
    command: 'drain' | 'ready' | 'maint',
    extra?: Record<string, unknown>
  ): Promise<{ status: number; body: any }>;
  /** GET /api/haproxy/instances/{id}. */
  instance(): Promise<Record<string, unknown>>;
  stopAgent(): Promise<void>;
  /** Starts the agent again on the same port. */
  startAgent(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts upstreams, HAProxy, the agent and the backend, and registers the instance (with the agent's token). */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const instanceName = opts.instanceName ?? 'lb-1';
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch(() => undefined);
    }
  };
  try {
    const [healthy, failing, deadPort] = await Promise.all([
      startUpstream({ label: 'healthy' }),
      startUpstream({ label: 'failing', healthStatus: 500 }),
      freePort(),
    ]);
    cleanups.push(
      () => healthy.stop(),
      () => failing.stop()
    );
    const upstreams: Upstreams = { healthy, failing, deadAddress: `127.0.0.1:${deadPort}` };

    const [haproxy, service] = await Promise.all([
      startHaproxy(opts.haproxy(upstreams)),
      startTestService(opts.service),
    ]);
    cleanups.push(
      () => haproxy.stop(),
      () => service.stop()
    );

    const agentOptions = {
      token: AGENT_TOKEN,
      requestTimeoutMs: 2000,
      instances: new Map([[instanceName, { kind: 'unix' as const, path: haproxy.socketPath }]]),
      host: '127.0.0.1',
    };
    let agent: RunningAgent | undefined = await startAgentServer(agentOptions);
    const agentPort = agent.port;
    const agentUrl = agent.url;
    const stopAgent = async () => {
      await agent?.stop();
      agent = undefined;
    };
    cleanups.push(stopAgent);

    const { hostId, instanceId } = await registerInstance(service, agentUrl, instanceName);
    const token = await service.call('PATCH', `/api/hosts/${hostId}`, { body: { fagent_token: AGENT_TOKEN } });
    if (token.status !== 200) {
      throw new Error(`host token: ${token.status} ${JSON.stringify(token.body)}`);
    }

    const get = async <T>(path: string, key: string): Promise<T> => {
      const res = await service.call('GET', path);
      if (res.status !== 200) {
        throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      return res.body[key] as T;
    };
    const servers = () => get<StoredServer[]>(`/api/haproxy/servers?instance_id=${instanceId}`, 'servers');

    return {
      upstreams,
      haproxy,
      service,
      instanceId,
      agentUrl,
      async sync() {
        const res = await service.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, {
          token: service.tokens.operator,
        });
        if (res.status !== 200) {
          throw new Error(`sync: ${res.status} ${JSON.stringify(res.body)}`);
        }
        return res.body as SyncAnswer;
      },
      servers,
      async server(backend, name) {
        const found = (await servers()).find((s) => s.backend_name === backend && s.server_name === name);
        if (!found) {
          throw new Error(`server ${backend}/${name} is not in the API's list`);
        }
        return found;
      },
      history: (serverId) => get<HistoryRow[]>(`/api/haproxy/servers/${serverId}/history`, 'history'),
      actions: (serverId) => get<ActionRow[]>(`/api/haproxy/actions?server_id=${serverId}`, 'actions'),
      command: (serverId, command, extra = {}) =>
        service.call('POST', `/api/haproxy/servers/${serverId}/command`, {
          token: service.tokens.operator,
          body: { command, ...extra },
        }),
      async instance() {
        const res = await service.call('GET', `/api/haproxy/instances/${instanceId}`);
        if (res.status !== 200) {
          throw new Error(`instance: ${res.status} ${JSON.stringify(res.body)}`);
        }
        return res.body;
      },
      stopAgent,
      async startAgent() {
        if (!agent) {
          agent = await startAgentServer({ ...agentOptions, port: agentPort });
        }
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Polls `check` until it returns something truthy (for state that settles on a timer, e.g. a breaker). */
export async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value as NonNullable<T>;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** HAProxy's own admin state of each server, from `show servers state` on its socket (not through the agent). */
export async function adminStates(haproxy: TestHaproxy, backend: string): Promise<Record<string, string>> {
  const rows = parseServersState(await haproxy.runtime(`show servers state ${backend}`));
  return Object.fromEntries(rows.map((r) => [r.server, r.adminState]));
}
