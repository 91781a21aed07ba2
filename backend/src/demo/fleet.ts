import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RuntimeApiAddress } from '../agent/runtime-api';
import { startAgentServer } from '../agent/server';
import { parseShowStat } from '../agent/show-stat';
import { HaproxyBackendSpec, HaproxyFrontendSpec, renderHaproxyConfig } from './haproxy-config';
import { HaproxyProcess } from './haproxy-process';
import { freePort } from './ports';
import { startUpstream, Upstream } from './upstream';

export interface DemoFleetOptions {
  /** Configs and sockets go here; default: a fresh temp dir, removed by stop(). */
  dir?: string;
  /** Where the demo agent listens; default 127.0.0.1 on a free port. */
  agentHost?: string;
  agentPort?: number;
  /** Default: a random token. */
  agentToken?: string;
  /**
   * Loopback addresses of the three application hosts. Distinct addresses give servers distinct
   * hosts for auto-mapping; Linux routes all of 127.0.0.0/8 to lo.
   */
  appAddresses?: readonly [string, string, string];
  /** Health-check interval of the demo HAProxies. */
  checkIntervalMs?: number;
  /** How long to wait for the first health checks to settle (default: three check intervals + 2 s). */
  settleTimeoutMs?: number;
  haproxyBinary?: string;
  logger?: Logger;
}

/** `MAINT (via b/s)`: a server that tracks one in maintenance inherits it. */
export type DemoExpectedStatus = 'UP' | 'DOWN' | 'MAINT' | 'no check' | `MAINT (via ${string})`;

export interface DemoServer {
  name: string;
  /** "ip:port" as in the config and in `show stat`'s addr column. */
  address: string;
  /** What HAProxy should report once the first health checks have run. */
  expectedStatus: DemoExpectedStatus;
  backup: boolean;
}

export interface DemoBackend {
  name: string;
  /** The frontend that routes to this backend. */
  frontendUrl: string;
  servers: DemoServer[];
}

export interface DemoInstance {
  /** Instance name in the agent's URLs. */
  name: string;
  /** The (FAgent) host this instance belongs to when registered. */
  hostName: string;
  socketPath: string;
  configPath: string;
  backends: DemoBackend[];
  haproxy: HaproxyProcess;
}

/** A machine the applications run on; servers whose address is on it auto-map to its applications. */
export interface DemoAppHost {
  name: string;
  address: string;
  applications: string[];
}

export interface DemoFleet {
  dir: string;
  instances: DemoInstance[];
  appHosts: DemoAppHost[];
  agentUrl: string;
  agentToken: string;
  stop(): Promise<void>;
}

/** How an upstream behaves: its health check passes or answers 500 (DOWN with L7STS). */
type UpstreamName = 'shop-a' | 'shop-b' | 'shop-bad' | 'api-a' | 'api-b' | 'auth-a' | 'static-a';
/**
 * A server line: which upstream (or `dead`: a port nobody listens on) and how it is configured;
 * `track:<server>` follows another server of the same backend instead of checking itself.
 */
type ServerMode = 'check' | 'backup' | 'disabled' | 'nocheck' | 'weight0' | `track:${string}`;
type ServerPlan = [name: string, target: UpstreamName | 'dead', mode: ServerMode];
type InstancePlan = { name: string; hostName: string; backends: Array<{ name: string; servers: ServerPlan[] }> };

const UPSTREAMS: Record<UpstreamName, { host: 0 | 1 | 2; healthStatus: number }> = {
  'shop-a': { host: 0, healthStatus: 200 },
  'shop-b': { host: 0, healthStatus: 200 },
  'shop-bad': { host: 0, healthStatus: 500 },
  'api-a': { host: 1, healthStatus: 200 },
  'api-b': { host: 1, healthStatus: 200 },
  'auth-a': { host: 1, healthStatus: 200 },
  'static-a': { host: 2, healthStatus: 200 },
};

const APP_HOSTS: Array<{ name: string; applications: string[] }> = [
  { name: 'demo-app-1', applications: ['shop'] },
  // Two applications on one host: auto-mapping picks by backend name.
  { name: 'demo-app-2', applications: ['api', 'auth'] },
  { name: 'demo-app-3', applications: ['static'] },
];

/** Names use dots, dashes, underscores and colons on purpose: HAProxy allows them, so must we. */
const INSTANCES: InstancePlan[] = [
  {
    name: 'edge-1',
    hostName: 'demo-lb-1',
    backends: [
      {
        name: 'shop',
        servers: [
          ['shop-1', 'shop-a', 'check'],
          ['shop-2', 'shop-b', 'check'],
          ['shop-3', 'shop-bad', 'check'],
          ['shop-4', 'shop-a', 'disabled'],
          ['shop-spare', 'shop-b', 'backup'],
          // Inherits shop-4's maintenance (MAINT via shop/shop-4): maint_source "inherited".
          ['shop-5', 'shop-a', 'track:shop-4'],
        ],
      },
      {
        name: 'api',
        servers: [
          ['api-1', 'api-a', 'check'],
          ['api-2', 'api-b', 'nocheck'],
        ],
      },
      {
        name: 'static',
        servers: [
          ['static-1', 'static-a', 'nocheck'],
          ['static-2', 'dead', 'check'],
        ],
      },
    ],
  },
  {
    name: 'edge-2.eu',
    hostName: 'demo-lb-2',
    backends: [
      {
        name: 'api',
        servers: [
          ['api-1', 'api-a', 'check'],
          ['api-2', 'api-b', 'check'],
          ['api-3', 'api-b', 'disabled'],
        ],
      },
      {
        name: 'auth',
        servers: [
          ['auth-1', 'auth-a', 'check'],
          ['auth-2', 'auth-a', 'nocheck'],
        ],
      },
      {
        name: 'legacy_app:v1',
        servers: [
          ['old-1.a', 'dead', 'check'],
          ['old-2.b', 'shop-bad', 'check'],
          ['old-3.c', 'shop-a', 'disabled'],
        ],
      },
    ],
  },
  {
    name: 'internal_3',
    hostName: 'demo-lb-3',
    backends: [
      {
        name: 'shop',
        servers: [
          ['shop-1', 'shop-a', 'check'],
          ['shop-2', 'shop-b', 'check'],
          ['shop-spare', 'shop-a', 'backup'],
        ],
      },
      {
        name: 'static',
        servers: [
          ['static-1', 'static-a', 'check'],
          ['static-2', 'static-a', 'nocheck'],
          ['static-3', 'dead', 'check'],
          // UP, but weight 0 in the configuration: it gets no new traffic.
          ['static-4', 'static-a', 'weight0'],
        ],
      },
      // Every server removed from the configuration: requests fail, and the backend is still listed.
      { name: 'payments', servers: [] },
    ],
  },
];

function serverOptions(backend: string, mode: ServerMode): string | undefined {
  if (mode.startsWith('track:')) {
    return `track ${backend}/${mode.slice('track:'.length)}`;
  }
  const options: Record<Exclude<ServerMode, `track:${string}`>, string | undefined> = {
    check: 'check',
    backup: 'check backup',
    disabled: 'check disabled',
    nocheck: undefined,
    weight0: 'check weight 0',
  };
  return options[mode as keyof typeof options];
}

function expectedStatus(backend: InstancePlan['backends'][number], [, target, mode]: ServerPlan): DemoExpectedStatus {
  if (mode.startsWith('track:')) {
    const trackedName = mode.slice('track:'.length);
    const tracked = backend.servers.find(([name]) => name === trackedName);
    if (!tracked) {
      throw new Error(`demo plan: ${backend.name} has no server ${trackedName} to track`);
    }
    const status = expectedStatus(backend, tracked);
    return status === 'MAINT' ? `MAINT (via ${backend.name}/${trackedName})` : status;
  }
  if (mode === 'disabled') {
    return 'MAINT';
  }
  if (mode === 'nocheck') {
    return 'no check';
  }
  return target === 'dead' || UPSTREAMS[target].healthStatus !== 200 ? 'DOWN' : 'UP';
}

/**
 * Starts the demo: upstream app servers, three real HAProxy processes with mixed server states,
 * and one in-process agent serving all of them. Everything started is stopped by `stop()`, and
 * also when starting fails half-way.
 */
export async function startDemoFleet(opts: DemoFleetOptions = {}): Promise<DemoFleet> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'haproxy-demo-'));
  const appAddresses = opts.appAddresses ?? ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch(() => undefined);
    }
    if (ownDir) {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    const upstreams = {} as Record<UpstreamName, Upstream>;
    for (const [name, spec] of Object.entries(UPSTREAMS) as Array<[UpstreamName, (typeof UPSTREAMS)[UpstreamName]]>) {
      const upstream = await startUpstream({
        host: appAddresses[spec.host],
        healthStatus: spec.healthStatus,
        label: name,
      });
      cleanups.push(() => upstream.stop());
      upstreams[name] = upstream;
    }
    // Nothing listens here: health checks fail with "Connection refused". Its address is no app host.
    const deadAddress = `127.0.0.9:${await freePort('127.0.0.9')}`;
    const addressOf = (target: UpstreamName | 'dead') => (target === 'dead' ? deadAddress : upstreams[target].address);

    const instances: DemoInstance[] = [];
    for (const plan of INSTANCES) {
      const socketPath = join(dir, `${plan.name}.sock`);
      const configPath = join(dir, `${plan.name}.cfg`);
      const frontends: HaproxyFrontendSpec[] = [];
      const specs: HaproxyBackendSpec[] = [];
      const backends: DemoBackend[] = [];
      for (const be of plan.backends) {
        const port = await freePort();
        frontends.push({
          name: `fe_${be.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
          bind: `127.0.0.1:${port}`,
          backend: be.name,
        });
        const servers = be.servers.map((plan) => ({
          name: plan[0],
          address: addressOf(plan[1]),
          expectedStatus: expectedStatus(be, plan),
          backup: plan[2] === 'backup',
        }));
        specs.push({
          name: be.name,
          lines: ['balance roundrobin', 'option httpchk GET /health'],
          servers: be.servers.map(([name, target, mode]) => ({
            name,
            address: addressOf(target),
            options: serverOptions(be.name, mode),
          })),
        });
        backends.push({ name: be.name, frontendUrl: `http://127.0.0.1:${port}/`, servers });
      }
      const configText = renderHaproxyConfig({
        socketPath,
        frontends,
        backends: specs,
        checkIntervalMs: opts.checkIntervalMs ?? 1000,
      });
      const haproxy = await HaproxyProcess.start({ configPath, socketPath, configText, binary: opts.haproxyBinary });
      cleanups.push(() => haproxy.stop());
      instances.push({ name: plan.name, hostName: plan.hostName, socketPath, configPath, backends, haproxy });
    }

    await settle(instances, opts.settleTimeoutMs ?? 3 * (opts.checkIntervalMs ?? 1000) + 2000);

    const agentToken = opts.agentToken ?? randomBytes(24).toString('base64url');
    const agent = await startAgentServer({
      token: agentToken,
      requestTimeoutMs: 2000,
      instances: new Map<string, RuntimeApiAddress>(
        instances.map((i) => [i.name, { kind: 'unix', path: i.socketPath }])
      ),
      host: opts.agentHost ?? '127.0.0.1',
      port: opts.agentPort ?? 0,
      logger: opts.logger,
    });
    cleanups.push(() => agent.stop());

    return {
      dir,
      instances,
      appHosts: APP_HOSTS.map((h, i) => ({ ...h, address: appAddresses[i] })),
      agentUrl: agent.url,
      agentToken,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Checked servers start UP and only turn DOWN after their first failed check; waiting for that
 * means the first sync already shows the real mix. Gives up quietly: a slow machine still gets a
 * running fleet, only its first sync sees some servers UP a moment too long.
 */
async function settle(instances: DemoInstance[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const settled = async (instance: DemoInstance) => {
    const actual = new Map(
      parseShowStat(await instance.haproxy.runtime('show stat')).map((s) => [`${s.backend}/${s.name}`, s.status])
    );
    return instance.backends.every((b) =>
      b.servers.every((s) => actual.get(`${b.name}/${s.name}`) === s.expectedStatus)
    );
  };
  while (Date.now() < deadline) {
    if ((await Promise.all(instances.map(settled))).every(Boolean)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
