import type { FleetBackend, FleetBackendList, Server, ServerList, ServerStatus } from '../api/types';
import { compareNames } from '../utils/sort';
import type { Fleet } from './fixtures';
import { fleetBackendsOf } from './stateFixtures';

/**
 * The backend's paged reads of the HAProxy page (GET /api/haproxy/backends and /servers) over a test fleet, as
 * backend/openapi.yaml says them: server filters, natural name order, keyset pages (`after` a page's `next`).
 */

type Key = Array<string | number>;

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) {
    const c = typeof a[i] === 'number' ? Number(a[i]) - Number(b[i]) : compareNames(String(a[i]), String(b[i]));
    if (c !== 0) {
      return c;
    }
  }
  return 0;
}

function page<T>(rows: T[], keyOf: (row: T) => Key, sp: URLSearchParams, defaultLimit: number) {
  const sorted = [...rows].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const after = sp.get('after');
  const from = after ? JSON.parse(atob(after)) : undefined;
  const start = from ? sorted.findIndex((r) => compareKeys(keyOf(r), from) > 0) : 0;
  const limit = Number(sp.get('limit') ?? defaultLimit);
  const rest = (start < 0 ? [] : sorted.slice(start)).slice(Number(sp.get('offset') ?? 0));
  const shown = rest.slice(0, limit);
  return {
    rows: shown,
    total: rows.length,
    next: rest.length > limit ? btoa(JSON.stringify(keyOf(shown[shown.length - 1]))) : null,
  };
}

const contains = (text: string | null | undefined, q: string) => (text ?? '').toLowerCase().includes(q.toLowerCase());
const bool = (sp: URLSearchParams, name: string) => (sp.has(name) ? sp.get(name) === 'true' : undefined);

/** Whether a server passes the server filters of a query string (`q` named `textParam`). */
function serverFilter(sp: URLSearchParams, textParam: string, now = Date.now()) {
  const statuses = sp.get('status')?.toUpperCase().split(',') as ServerStatus[] | undefined;
  const drift = bool(sp, 'drift');
  const inWindow = bool(sp, 'in_window');
  const q = sp.get(textParam);
  const asked = [statuses, drift, inWindow, q].filter((v) => v !== undefined && v !== null).length;
  const passes = (s: Server) =>
    (!statuses || statuses.includes(s.status)) &&
    (drift === undefined || (s.drift !== null) === drift) &&
    (inWindow === undefined || (s.desired?.until != null && Date.parse(s.desired.until) > now) === inWindow) &&
    (q === null || contains(s.server_name, q) || contains(s.backend_name, q) || contains(s.address, q));
  return { passes, asked, q };
}

export function serversPage(fleet: Fleet, sp: URLSearchParams): ServerList {
  const { passes } = serverFilter(sp, 'q');
  const id = (name: string) => (sp.has(name) ? Number(sp.get(name)) : undefined);
  const [instance, backend, application] = [id('instance_id'), id('backend_id'), id('application_id')];
  const matching = fleet.servers.filter(
    (s) =>
      (instance === undefined || s.instance_id === instance) &&
      (backend === undefined || s.backend_id === backend) &&
      (application === undefined || s.application_id === application) &&
      passes(s)
  );
  const { rows, total, next } = page(matching, (s) => [s.instance_name, s.backend_name, s.server_name, s.id], sp, 1000);
  return { servers: rows, total, next };
}

export function backendsPage(fleet: Fleet, sp: URLSearchParams): FleetBackendList {
  const { passes, asked, q } = serverFilter(sp, 'server_q');
  const instance = sp.has('instance_id') ? Number(sp.get('instance_id')) : undefined;
  const name = sp.get('q');
  const listed: FleetBackend[] = [];
  for (const b of fleetBackendsOf(fleet.servers, fleet.emptyBackends, fleet.minimums)) {
    if (
      (instance !== undefined && b.instance_id !== instance) ||
      (name && !contains(`${b.name} ${b.instance_name}`, name))
    ) {
      continue;
    }
    const shown = asked ? fleet.servers.filter((s) => s.backend_id === b.id && passes(s)).length : b.servers_total;
    if (!asked || shown > 0 || (asked === 1 && q !== null && contains(b.name, q))) {
      listed.push({ ...b, shown });
    }
  }
  const { rows, total, next } = page(listed, (b) => [b.instance_name, b.name, b.id], sp, 1000);
  return { backends: rows, total, next };
}
