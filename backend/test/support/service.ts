import { TokenStore } from '../../src/auth/tokens';
import type { AppConfig } from '../../src/config';
import { RunningService, startService } from '../../src/service';
import { createTestDatabase, TestDatabase } from './db';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** BOOTSTRAP_GRAFANA_*_TOKEN of the test service: tokens `grafana-<role>` with the Grafana flag. */
export const GRAFANA_TOKENS = {
  viewer: 'test-grafana-viewer-token-0123456789',
  operator: 'test-grafana-operator-token-0123456789',
  admin: 'test-grafana-admin-token-0123456789',
};

export interface TestService {
  service: RunningService;
  db: TestDatabase;
  url: string;
  /** Tokens without the Grafana flag: their X-Grafana-User is ignored (an orchestrator's, a script's). */
  tokens: { admin: string; operator: string; viewer: string };
  /** The plugin proxy's tokens (`--grafana`): X-Grafana-User names the actor. */
  grafanaTokens: typeof GRAFANA_TOKENS;
  /** Calls the API; returns status and parsed JSON body (raw text when not JSON). */
  call(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> }
  ): Promise<{
    status: number;
    body: any;
    headers: Headers;
  }>;
  stop(): Promise<void>;
}

/**
 * The real service on a fresh database and a free port; the scheduler is off unless asked for. Given a
 * database (another replica's), it runs on that one, with tokens of its own, and leaves it in place at stop.
 */
export async function startTestService(
  overrides: Partial<AppConfig> = {},
  shared?: TestDatabase
): Promise<TestService> {
  const db = shared ?? (await createTestDatabase());
  const suffix = shared ? `-${Math.random().toString(36).slice(2, 8)}` : '';
  const service = await startService(
    {
      databaseUrl: db.url,
      host: '127.0.0.1',
      port: 0,
      enabled: false,
      logLevel: 'silent',
      bootstrapAdminToken: ADMIN_TOKEN,
      bootstrapGrafanaTokens: GRAFANA_TOKENS,
      requestTimeoutMs: 2000,
      maxRetries: 1,
      retryBaseDelayMs: 20,
      // Tests take servers out freely unless they test budgets (those set theirs, or this default back to 1).
      minAvailable: { count: 0 },
      // Jobs look at their servers often, so tests wait for them in fractions of a second.
      operationPollMs: 100,
      operationLeaseMs: 3000,
      ...overrides,
    },
    {}
  );
  const store = new TokenStore(service.db);
  const tokens = {
    admin: ADMIN_TOKEN,
    operator: (await store.create(`test-operator${suffix}`, 'operator')).token,
    viewer: (await store.create(`test-viewer${suffix}`, 'viewer')).token,
  };
  return {
    service,
    db,
    url: service.url,
    tokens,
    grafanaTokens: GRAFANA_TOKENS,
    async call(method, path, opts = {}) {
      const token = opts.token === undefined ? tokens.admin : opts.token;
      const res = await fetch(service.url + path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        body:
          opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body, headers: res.headers };
    },
    async stop() {
      await service.stop();
      if (!shared) {
        await db.drop();
      }
    },
  };
}

/** Registers a host with an FAgent URL and one instance on it; returns their ids. */
export async function registerInstance(
  t: TestService,
  fagentUrl: string,
  instanceName: string,
  opts: { hostName?: string; address?: string; backendScope?: string[] | null } = {}
): Promise<{ hostId: number; instanceId: number }> {
  const hostName = opts.hostName ?? `host-${instanceName}`;
  let host = await t.call('POST', '/api/hosts', {
    body: { name: hostName, address: opts.address ?? '127.0.0.1', fagent_url: fagentUrl },
  });
  if (host.status === 409) {
    const all = await t.call('GET', '/api/hosts');
    host = { ...host, body: all.body.hosts.find((h: { name: string }) => h.name === hostName) };
  } else if (host.status !== 201) {
    throw new Error(`host: ${host.status} ${JSON.stringify(host.body)}`);
  }
  const inst = await t.call('POST', '/api/haproxy/instances', {
    body: { host_id: host.body.id, name: instanceName, backend_scope: opts.backendScope ?? null },
  });
  if (inst.status !== 201) {
    throw new Error(`instance: ${inst.status} ${JSON.stringify(inst.body)}`);
  }
  return { hostId: host.body.id, instanceId: inst.body.id };
}
