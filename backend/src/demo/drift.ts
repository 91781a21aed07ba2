import type { DemoFleet } from './fleet';
import { apiClient } from './register';

/** What the drift part of the demo did, and what the backend recorded of it. */
export interface DriftShown {
  instance: string;
  server: string;
  pidBefore: number;
  pidAfter: number;
  /** The server's history since the drain, oldest first: command, reload, reconcile. */
  history: Array<{ cause: string; admin_from: string | null; admin_to: string | null }>;
  /** The re-apply's audit row. */
  reapplied?: { actor: string; source: string; result: string };
}

const INSTANCE = 'edge-1';
const BACKEND = 'shop';
const SERVER = 'shop-1';

/**
 * The state model in action, through the backend's API as an operator would: drain edge-1's shop/shop-1 with a
 * reason, reload that HAProxy (which drops runtime state, as any reload does), sync: the backend sees the new
 * process without the drain (a drift) and sends it again. Whichever sync sees it first (this one or a
 * scheduled one) repairs it; the history says what happened.
 */
export async function showDriftAndRepair(
  apiBaseUrl: string,
  adminToken: string,
  fleet: Pick<DemoFleet, 'instances'>,
  instanceId: number
): Promise<DriftShown> {
  const api = apiClient(apiBaseUrl, adminToken);
  const haproxy = fleet.instances.find((i) => i.name === INSTANCE)!.haproxy;
  // Joins the first sync the registration started, so the process it saw is known.
  await api('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
  const { servers } = (await api('GET', `/api/haproxy/servers?instance_id=${instanceId}&q=${SERVER}`)) as {
    servers: Array<{ id: number; backend_name: string; server_name: string }>;
  };
  const server = servers.find((s) => s.backend_name === BACKEND && s.server_name === SERVER)!;
  const drained = (await api('POST', `/api/haproxy/servers/${server.id}/command`, {
    command: 'drain',
    reason: 'demo: kept out across a reload',
  })) as { action: { started_at: string } };
  const pidBefore = haproxy.pid;
  await haproxy.reload();
  await api('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);

  const since = encodeURIComponent(drained.action.started_at);
  const { history } = (await api('GET', `/api/haproxy/servers/${server.id}/history?since=${since}`)) as {
    history: DriftShown['history'];
  };
  const { actions } = (await api('GET', `/api/haproxy/actions?server_id=${server.id}&source=reconcile&limit=1`)) as {
    actions: Array<{ actor: string; source: string; result: string }>;
  };
  return {
    instance: INSTANCE,
    server: `${BACKEND}/${SERVER}`,
    pidBefore,
    pidAfter: haproxy.pid,
    history: history.reverse().map(({ cause, admin_from, admin_to }) => ({ cause, admin_from, admin_to })),
    reapplied: actions[0] && { actor: actions[0].actor, source: actions[0].source, result: actions[0].result },
  };
}

/** The demo's words for it. */
export function driftSummary(d: DriftShown): string {
  const steps = d.history.map((h) => `${h.cause} (${h.admin_from ?? '?'} -> ${h.admin_to ?? '?'})`).join(', then ');
  return [
    `Drift and repair: ${d.server} of ${d.instance} was drained, then that HAProxy reloaded (pid ${d.pidBefore} -> ${d.pidAfter})`,
    '  and lost the drain; the next sync saw the drift and sent the drain again.',
    `  history: ${steps}`,
    d.reapplied
      ? `  audit: drain by ${d.reapplied.actor} (source ${d.reapplied.source}): ${d.reapplied.result}`
      : '  audit: no re-apply recorded',
    '',
  ].join('\n');
}
