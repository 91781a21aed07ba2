import type { DemoFleet } from './fleet';

/** What registration needs from a fleet (a started one, or a description of one elsewhere). */
export type DemoFleetDescription = Pick<DemoFleet, 'agentUrl' | 'agentToken' | 'appHosts'> & {
  instances: Array<Pick<DemoFleet['instances'][number], 'name' | 'hostName' | 'socketPath'>>;
};

export interface HostPlan {
  name: string;
  address: string;
  fagent_url: string;
  fagent_token: string;
}

export interface RegistrationPlan {
  hosts: HostPlan[];
  instances: Array<{ host: string; name: string; socket_path: string }>;
  applications: Array<{ host: string; name: string }>;
}

/**
 * The backend rows the demo needs. HAProxy hosts run the agent; application hosts carry the
 * applications, and their addresses are the servers' addresses, which is what auto-mapping
 * matches. An application host runs no HAProxy, so its agent URL is never called; the backend
 * still wants one, and the demo agent's is as good as any.
 */
export function demoRegistrationPlan(fleet: DemoFleetDescription): RegistrationPlan {
  const agent = { fagent_url: fleet.agentUrl, fagent_token: fleet.agentToken };
  const lbHosts = [...new Set(fleet.instances.map((i) => i.hostName))];
  return {
    hosts: [
      ...lbHosts.map((name) => ({ name, address: '127.0.0.1', ...agent })),
      ...fleet.appHosts.map((h) => ({ name: h.name, address: h.address, ...agent })),
    ],
    instances: fleet.instances.map((i) => ({ host: i.hostName, name: i.name, socket_path: i.socketPath })),
    applications: fleet.appHosts.flatMap((h) => h.applications.map((name) => ({ host: h.name, name }))),
  };
}

export interface DemoRegistration {
  /** Ids by name. */
  hosts: Record<string, number>;
  instances: Record<string, number>;
  applications: Record<string, number>;
}

export class DemoRegistrationError extends Error {}

type Row = { id: number; name: string; host_id?: number | null };

/**
 * Registers the fleet through the backend's REST API and asks for a first sync of every instance.
 * Safe to run again against the same backend: existing rows (by name) are updated, not duplicated,
 * because every demo run has a new agent port, token and socket paths.
 */
export async function registerDemoFleet(
  apiBaseUrl: string,
  adminToken: string,
  fleet: DemoFleetDescription
): Promise<DemoRegistration> {
  const api = apiClient(apiBaseUrl, adminToken);
  const plan = demoRegistrationPlan(fleet);
  const result: DemoRegistration = { hosts: {}, instances: {}, applications: {} };

  const existingHosts = (await api('GET', '/api/hosts')).hosts as Row[];
  for (const host of plan.hosts) {
    const found = existingHosts.find((h) => h.name === host.name);
    const row = found
      ? await api('PATCH', `/api/hosts/${found.id}`, {
          address: host.address,
          fagent_url: host.fagent_url,
          fagent_token: host.fagent_token,
          is_active: true,
        })
      : await api('POST', '/api/hosts', host);
    result.hosts[host.name] = row.id as number;
  }

  for (const instance of plan.instances) {
    const hostId = result.hosts[instance.host];
    const existing = (await api('GET', `/api/haproxy/instances?server_id=${hostId}`)).instances as Row[];
    const found = existing.find((i) => i.name === instance.name);
    const row = found
      ? await api('PATCH', `/api/haproxy/instances/${found.id}`, { socket_path: instance.socket_path, is_active: true })
      : await api('POST', '/api/haproxy/instances', {
          host_id: hostId,
          name: instance.name,
          socket_path: instance.socket_path,
          is_active: true,
        });
    result.instances[instance.name] = row.id as number;
  }

  const existingApps = (await api('GET', '/api/applications')).applications as Row[];
  for (const app of plan.applications) {
    const hostId = result.hosts[app.host];
    const found = existingApps.find((a) => a.name === app.name && a.host_id === hostId);
    const row = found ?? (await api('POST', '/api/applications', { name: app.name, host_id: hostId }));
    result.applications[app.name] = row.id as number;
  }

  for (const id of Object.values(result.instances)) {
    await api('POST', `/api/haproxy/instances/${id}/sync`);
  }
  return result;
}

export type Api = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/** The backend's REST API with a token: JSON in, JSON out, a DemoRegistrationError for anything but 2xx. */
export function apiClient(baseUrl: string, token: string): Api {
  const base = baseUrl.replace(/\/+$/, '');
  return async (method, path, body) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new DemoRegistrationError(`${method} ${base}${path} failed: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      throw new DemoRegistrationError(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    }
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
}
