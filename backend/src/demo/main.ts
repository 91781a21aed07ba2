#!/usr/bin/env node
/**
 * `npm run demo`: a demo fleet of real HAProxy processes behind one agent, registered in a backend
 * (DEMO_BACKEND_URL + DEMO_ADMIN_TOKEN) or in one started here. Wiring only.
 */
import { randomBytes } from 'node:crypto';
import { startService } from '../service';
import { stopOnSignal } from '../shutdown-signals';
import { driftSummary, showDriftAndRepair } from './drift';
import { DemoFleet, startDemoFleet } from './fleet';
import { findHaproxyBinary } from './haproxy-process';
import { registerDemoFleet } from './register';

interface Backend {
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

/** The backend in this process, with a known admin token so the demo can register its fleet. */
async function startBackendInProcess(): Promise<Backend> {
  const adminToken = process.env.BOOTSTRAP_ADMIN_TOKEN || randomBytes(24).toString('base64url');
  // A livelier default than the production 60 s, unless the user chose one.
  const polling = process.env.HAPROXY_POLLING_INTERVAL ? {} : { pollingIntervalSec: 10 };
  const service = await startService({ bootstrapAdminToken: adminToken, ...polling });
  return { url: service.url, adminToken, stop: () => service.stop() };
}

function externalBackend(env: NodeJS.ProcessEnv): Backend | null {
  const url = env.DEMO_BACKEND_URL?.trim();
  const adminToken = env.DEMO_ADMIN_TOKEN?.trim();
  if (!url && !adminToken) {
    return null;
  }
  if (!url || !adminToken) {
    throw new Error('Set both DEMO_BACKEND_URL and DEMO_ADMIN_TOKEN, or neither to start a backend here.');
  }
  return { url, adminToken, stop: async () => undefined };
}

function fleetSummary(fleet: DemoFleet, backend: Backend): string {
  const lines = ['', 'HAProxy demo fleet is running.', ''];
  for (const instance of fleet.instances) {
    lines.push(`  instance ${instance.name} (host ${instance.hostName}, pid ${instance.haproxy.pid})`);
    lines.push(`    runtime API  ${instance.socketPath}`);
    for (const b of instance.backends) {
      const statuses =
        b.servers.map((s) => `${s.name}=${s.expectedStatus}${s.backup ? ' (backup)' : ''}`).join(', ') ||
        '(no servers)';
      lines.push(`    ${b.frontendUrl.padEnd(28)} -> ${b.name}: ${statuses}`);
    }
  }
  lines.push(
    '',
    `  agent    ${fleet.agentUrl}   (Authorization: Bearer ${fleet.agentToken})`,
    `           curl -H 'Authorization: Bearer ${fleet.agentToken}' ${fleet.agentUrl}/api/haproxy/edge-1/backends`,
    `  backend  ${backend.url}   (admin token: ${backend.adminToken})`,
    `           curl -H 'Authorization: Bearer ${backend.adminToken}' ${backend.url}/api/haproxy/summary`,
    '',
    'Press Ctrl-C to stop everything.',
    ''
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!findHaproxyBinary()) {
    console.error(
      'The demo needs the haproxy binary, which was not found (PATH, /usr/sbin, HAPROXY_BIN).\n' +
        'Install it with:  sudo apt-get install haproxy   (Debian/Ubuntu), then run npm run demo again.'
    );
    process.exit(1);
  }

  const external = externalBackend(process.env);
  const fleet = await startDemoFleet({
    agentHost: process.env.DEMO_AGENT_HOST,
    agentPort: process.env.DEMO_AGENT_PORT ? Number(process.env.DEMO_AGENT_PORT) : undefined,
  });
  let backend: Backend | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (!stopping) {
      stopping = true;
      // The backend first: syncs in flight would otherwise find the fleet's agent gone and warn of it.
      await backend?.stop().catch((err) => console.error('stopping the backend failed:', err));
      await fleet.stop().catch((err) => console.error('stopping the fleet failed:', err));
    }
    return code;
  };
  stopOnSignal(() => stopAll(0));

  try {
    backend = external ?? (await startBackendInProcess());
    // Again: an embedded PostgreSQL, once loaded, listens for the same signals.
    stopOnSignal(() => stopAll(0));
    // In docker-compose the backend reaches the agent by its service name, not the address it listens on.
    const publicAgentUrl = process.env.DEMO_AGENT_PUBLIC_URL?.trim();
    const ids = await registerDemoFleet(
      backend.url,
      backend.adminToken,
      publicAgentUrl ? { ...fleet, agentUrl: publicAgentUrl } : fleet
    );
    console.log(fleetSummary(fleet, backend));
    console.log(
      `Registered ${Object.keys(ids.hosts).length} hosts, ${Object.keys(ids.instances).length} instances, ${Object.keys(ids.applications).length} applications.`
    );
    // The state model in action; the demo runs on whether or not it works out.
    await showDriftAndRepair(backend.url, backend.adminToken, fleet, ids.instances['edge-1'])
      .then((d) => console.log(driftSummary(d)))
      .catch((err: Error) => console.warn(`The drift demo did not run: ${err.message}`));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(await stopAll(1));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
