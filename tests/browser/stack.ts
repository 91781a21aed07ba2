/**
 * What stands behind the host, nothing faked: PostgreSQL (embedded, as the backend tests start it), the real
 * backend on a fresh database, and the demo fleet (three real HAProxy processes with mixed server states behind
 * the reference agent), registered through the backend's REST API and synced once.
 */
import globalPgSetup from '../../backend/test/setup/global-setup';
import globalPgTeardown from '../../backend/test/setup/global-teardown';
import { parseShowStat } from '../../backend/src/agent/show-stat';
import { startDemoFleet, type DemoFleet } from '../../backend/src/demo/fleet';
import { registerDemoFleet } from '../../backend/src/demo/register';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../backend/test/support/service';

/** The uid of the data source instance the host keeps (settings page, Explore, data source proxy). */
export const DATASOURCE_UID = 'haproxy-control-ds';

/** What the specs (in Playwright's worker processes) learn about the stack, through BROWSER_STACK. */
export interface StackInfo {
  hostUrl: string;
  backendUrl: string;
  tokens: { admin: string; operator: string; viewer: string };
  /** Tokens made for Grafana (`--grafana`): the backend believes their X-Grafana-User. */
  grafanaTokens: { admin: string; operator: string; viewer: string };
  /** What the app's settings hold: one Grafana token per Grafana role (src/plugin.json's routes send them). */
  pluginTokens: { viewerToken: string; operatorToken: string; adminToken: string };
  instances: Array<{ id: number; name: string; hostName: string; socketPath: string }>;
  hosts: Record<string, number>;
  /** The demo fleet's agent (every demo instance behind it), for specs that register hosts themselves. */
  agent: { url: string; token: string };
}

export interface BrowserStack {
  service: TestService;
  fleet: DemoFleet;
  info: Omit<StackInfo, 'hostUrl'>;
  stop(): Promise<void>;
}

export async function startBrowserStack(log: (msg: string) => void): Promise<BrowserStack> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: unknown) => log(`teardown: ${String(err)}`));
    }
  };
  try {
    await globalPgSetup();
    cleanups.push(() => globalPgTeardown());
    const [service, fleet] = await Promise.all([startTestService({ enabled: false }), startDemoFleet()]);
    cleanups.push(
      () => service.stop(),
      () => fleet.stop()
    );
    await waitForHealthChecks(fleet, 20_000);
    const ids = await registerDemoFleet(service.url, ADMIN_TOKEN, fleet);
    // registerDemoFleet only asks for a sync; wait for a complete one so the first page shows the real mix.
    for (const id of Object.values(ids.instances)) {
      const res = await service.call('POST', `/api/haproxy/instances/${id}/sync?wait=true`);
      if (res.status !== 200 || res.body.status !== 'ok') {
        throw new Error(`sync of instance ${id}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    log(`stack: backend ${service.url}, ${fleet.instances.length} HAProxy instances`);
    return {
      service,
      fleet,
      info: {
        backendUrl: service.url,
        tokens: service.tokens,
        grafanaTokens: service.grafanaTokens,
        pluginTokens: {
          viewerToken: service.grafanaTokens.viewer,
          operatorToken: service.grafanaTokens.operator,
          adminToken: service.grafanaTokens.admin,
        },
        instances: fleet.instances.map((i) => ({
          id: ids.instances[i.name],
          name: i.name,
          hostName: i.hostName,
          socketPath: i.socketPath,
        })),
        hosts: ids.hosts,
        agent: { url: fleet.agentUrl, token: fleet.agentToken },
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * startDemoFleet waits a few seconds for the first health checks and then goes on quietly; the specs need the
 * settled mix (a failing check is DOWN, not yet UP) before the one sync, so wait longer here, and fail loudly.
 */
async function waitForHealthChecks(fleet: DemoFleet, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending: string[] = [];
  while (Date.now() < deadline) {
    pending = [];
    for (const instance of fleet.instances) {
      const actual = new Map(
        parseShowStat(await instance.haproxy.runtime('show stat')).map((s) => [`${s.backend}/${s.name}`, s.status])
      );
      for (const b of instance.backends) {
        for (const s of b.servers) {
          if (actual.get(`${b.name}/${s.name}`) !== s.expectedStatus) {
            pending.push(`${instance.name}/${b.name}/${s.name}`);
          }
        }
      }
    }
    if (pending.length === 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`demo fleet health checks did not settle: ${pending.join(', ')}`);
}
