import type {
  Action,
  AdminChange,
  ApiToken,
  Application,
  Backend,
  FleetBackend,
  Host,
  Instance,
  Operation,
  RemovedList,
  Server,
  ServerStatus,
  StatusChange,
  Summary,
  SyncOutcome,
  UnresolvedServer,
} from '../api/types';
import { budgetOf, type Minimums } from './guardFixtures';
import { stateCountsOf, stateOfStatus } from './stateFixtures';

const T0 = '2025-01-01T10:00:00.000Z';

/** An audit row: a successful drain of web<id>, `id` seconds ago. */
export function makeAction(id: number, partial: Partial<Action> = {}): Action {
  return {
    id,
    server_id: 1,
    instance_id: 1,
    instance_name: 'haproxy-1',
    backend_name: 'be_web',
    server_name: `web${id}`,
    command: 'drain',
    actor: 'alice',
    source: 'ui',
    operation_id: null,
    success: true,
    result: 'success',
    error: null,
    note: null,
    status_before: 'UP',
    status_after: 'DRAIN',
    started_at: new Date(Date.now() - id * 1000).toISOString(),
    duration_ms: 20,
    reason: null,
    until: null,
    ...partial,
  };
}

/** An admin change log row: alice changed host-a's address (host 1); a higher `id` is a later change, within 3 hours. */
export function makeAdminChange(id: number, partial: Partial<AdminChange> = {}): AdminChange {
  return {
    id,
    changed_at: new Date(Date.now() - (10_000 - id) * 1000).toISOString(),
    actor: 'grafana:alice',
    entity_kind: 'host',
    entity_id: 1,
    entity_name: 'host-a',
    action: 'updated',
    summary: 'host host-a updated',
    before: { address: '10.0.1.9' },
    after: { address: '10.0.1.1' },
    ...partial,
  };
}

export function makeInstance(partial: Partial<Instance> & Pick<Instance, 'id' | 'name' | 'host_id'>): Instance {
  return {
    host_name: `host-${partial.host_id}`,
    is_active: true,
    socket_path: '/run/haproxy/admin.sock',
    backend_scope: null,
    last_sync_at: T0,
    last_sync_success: true,
    last_sync_error: null,
    last_sync_duration_ms: 120,
    consecutive_failures: 0,
    breaker_state: 'closed',
    backend_count: 0,
    server_count: 0,
    created_at: T0,
    updated_at: T0,
    ...partial,
  };
}

let nextServerId = 1;
export function makeServer(
  partial: Partial<Server> &
    Pick<Server, 'server_name' | 'backend_id' | 'backend_name' | 'instance_id' | 'instance_name'>
): Server {
  const status: ServerStatus = partial.status ?? 'UP';
  return {
    id: nextServerId++,
    address: `10.0.0.${nextServerId}:8080`,
    status,
    raw_status: status === 'UP' ? 'UP 1/3' : status,
    weight: 100,
    current_sessions: 3,
    max_sessions: 50,
    application_id: null,
    application_name: null,
    mapping_kind: null,
    mapping_note: null,
    status_changed_at: T0,
    updated_at: T0,
    ...stateOfStatus(status, partial.raw_status),
    ...partial,
  };
}

export interface Fleet {
  hosts: Host[];
  instances: Instance[];
  servers: Server[];
  applications: Application[];
  actions: Action[];
  /** GET /api/haproxy/removed */
  removed: RemovedList;
  /** GET /api/haproxy/mappings/unresolved */
  unresolved: UnresolvedServer[];
  /** Backends without servers (only GET /api/haproxy/backends lists them). */
  emptyBackends?: FleetBackend[];
  /** Disruption budgets set by an admin (the others are the default). */
  minimums: Minimums;
  /** Jobs, newest last. */
  operations: Operation[];
  /** Every server's state changes (GET /api/haproxy/servers/{id}/history picks its own). */
  history: StatusChange[];
  /** GET /api/tokens: the app's three (named as GET /api/me answers) and a script's. */
  tokens: ApiToken[];
  /** GET /api/admin/changes, oldest first (the API answers newest first). */
  adminChanges: AdminChange[];
}

/** A small fleet: two hosts, two instances, three backends, seven servers in every status. */
export function makeFleet(): Fleet {
  nextServerId = 1;
  const hosts: Host[] = [
    {
      id: 1,
      name: 'host-a',
      address: '10.0.1.1',
      fagent_url: 'http://host-a:9000',
      is_active: true,
      has_fagent_token: true,
      instance_count: 1,
      created_at: T0,
      updated_at: T0,
    },
    {
      id: 2,
      name: 'host-b',
      address: '10.0.1.2',
      fagent_url: 'http://host-b:9000',
      is_active: true,
      has_fagent_token: false,
      instance_count: 1,
      created_at: T0,
      updated_at: T0,
    },
  ];
  const instances = [
    makeInstance({ id: 1, name: 'haproxy-1', host_id: 1, host_name: 'host-a', backend_count: 2, server_count: 5 }),
    makeInstance({ id: 2, name: 'haproxy-2', host_id: 2, host_name: 'host-b', backend_count: 1, server_count: 2 }),
  ];
  const web = { backend_id: 11, backend_name: 'be_web', instance_id: 1, instance_name: 'haproxy-1' };
  const api = { backend_id: 12, backend_name: 'be_api', instance_id: 1, instance_name: 'haproxy-1' };
  const db = { backend_id: 21, backend_name: 'be_db', instance_id: 2, instance_name: 'haproxy-2' };
  const servers = [
    makeServer({
      ...web,
      server_name: 'web1',
      status: 'UP',
      application_id: 100,
      application_name: 'shop',
      mapping_kind: 'auto',
    }),
    makeServer({ ...web, server_name: 'web2', status: 'DRAIN' }),
    makeServer({ ...web, server_name: 'web3', status: 'DOWN', raw_status: 'DOWN (agent)' }),
    makeServer({ ...api, server_name: 'api1', status: 'UP' }),
    makeServer({ ...api, server_name: 'api2', status: 'MAINT', raw_status: 'MAINT (via be_api/api1)' }),
    makeServer({ ...db, server_name: 'db1', status: 'UP' }),
    makeServer({ ...db, server_name: 'db2', status: 'NOLB' }),
  ];
  const applications: Application[] = [
    { id: 100, name: 'shop', host_id: 1, host_name: 'host-a', server_count: 1, created_at: T0 },
    { id: 101, name: 'billing', host_id: 1, host_name: 'host-a', server_count: 0, created_at: T0 },
    { id: 102, name: 'search', host_id: 2, host_name: 'host-b', server_count: 0, created_at: T0 },
  ];
  const actions: Action[] = [];
  const unresolved: UnresolvedServer[] = [
    {
      server: servers[1],
      reason: 'ambiguous_application',
      address_key: '10.0.0.3',
      matched_hosts: ['host-a'],
      candidates: [
        { id: 100, name: 'shop', host_id: 1, host_name: 'host-a' },
        { id: 101, name: 'billing', host_id: 1, host_name: 'host-a' },
      ],
    },
    { server: servers[5], reason: 'no_host', address_key: '10.0.0.7', matched_hosts: [], candidates: [] },
  ];
  return {
    hosts,
    instances,
    servers,
    applications,
    actions,
    removed: makeRemoved(),
    unresolved,
    minimums: { backends: {}, applications: {} },
    operations: [],
    history: [],
    tokens: [
      ...(['viewer', 'operator', 'admin'] as const).map((role, i) => ({
        id: i + 1,
        name: `grafana-${role}`,
        role,
        grafana: true,
        created_at: T0,
        created_by: 'config',
        last_used_at: T0,
        revoked_at: null,
        revoked_by: null,
        expires_at: null,
      })),
      {
        id: 4,
        name: 'deploy-bot',
        role: 'operator',
        grafana: false,
        created_at: T0,
        created_by: 'grafana:alice',
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
        expires_at: null,
      },
      {
        id: 5,
        name: 'old-bot',
        role: 'viewer',
        grafana: false,
        created_at: T0,
        created_by: 'cli',
        last_used_at: T0,
        revoked_at: null,
        revoked_by: null,
        expires_at: T0,
      },
    ],
    adminChanges: [],
  };
}

export function summaryOf(fleet: Fleet): Summary {
  const by_status: Summary['servers']['by_status'] = {};
  for (const s of fleet.servers) {
    by_status[s.status] = (by_status[s.status] ?? 0) + 1;
  }
  const failing = fleet.instances.filter((i) => i.last_sync_success === false);
  return {
    instances: {
      total: fleet.instances.length,
      active: fleet.instances.filter((i) => i.is_active).length,
      failing: failing.length,
      breaker_open: fleet.instances.filter((i) => i.breaker_state === 'open').length,
    },
    backends: new Set(fleet.servers.map((s) => s.backend_id)).size + (fleet.emptyBackends?.length ?? 0),
    servers: { total: fleet.servers.length, by_status, ...stateCountsOf(fleet.servers) },
    last_sync_at: T0,
    failing_instances: failing.map((i) => ({
      id: i.id,
      name: i.name,
      host_name: i.host_name,
      last_sync_error: i.last_sync_error,
      last_sync_at: i.last_sync_at,
    })),
  };
}

export function backendsOf(fleet: Fleet, instanceId: number): Backend[] {
  const map = new Map<number, Backend>();
  for (const s of fleet.servers.filter((x) => x.instance_id === instanceId)) {
    const b: Backend = map.get(s.backend_id) ?? {
      id: s.backend_id,
      instance_id: instanceId,
      backend_name: s.backend_name,
      server_count: 0,
      status_counts: {},
      created_at: T0,
      updated_at: T0,
      budget: budgetOf(
        'backend',
        s.backend_id,
        fleet.servers.filter((x) => x.backend_id === s.backend_id),
        fleet.minimums
      ),
    };
    b.server_count++;
    b.status_counts[s.status] = (b.status_counts[s.status] ?? 0) + 1;
    map.set(s.backend_id, b);
  }
  return Array.from(map.values());
}

/** Recently removed: a backend the agent dropped (with a server), one the scope left out, and a lone server. */
export function makeRemoved(): RemovedList {
  const where = { instance_id: 1, instance_name: 'haproxy-1', host_name: 'host-a' };
  return {
    since: '2024-12-25T10:00:00.000Z',
    backends: [
      {
        id: 31,
        ...where,
        backend_name: 'be_old',
        removed_at: T0,
        servers_removed: 1,
        reason: 'missing_from_agent',
        restorable: true,
      },
      {
        id: 32,
        ...where,
        backend_name: 'be_stats',
        removed_at: T0,
        servers_removed: 0,
        reason: 'out_of_scope',
        restorable: false,
      },
    ],
    backends_total: 2,
    servers: [
      {
        id: 41,
        backend_id: 11,
        backend_name: 'be_web',
        ...where,
        server_name: 'web9',
        address: '10.0.0.9:8080',
        status: 'DRAIN',
        raw_status: 'DRAIN',
        application_name: null,
        removed_at: T0,
        with_backend: false,
        backend_removed: false,
        last_command: 'drain',
        last_command_actor: 'grafana:alice',
        last_command_at: T0,
        reason: 'missing_from_agent',
        restorable: true,
      },
      {
        id: 42,
        backend_id: 31,
        backend_name: 'be_old',
        ...where,
        server_name: 'old1',
        address: '10.0.0.10:8080',
        status: 'UP',
        raw_status: 'UP',
        application_name: null,
        removed_at: T0,
        with_backend: true,
        backend_removed: true,
        last_command: null,
        last_command_actor: null,
        last_command_at: null,
        reason: 'with_backend',
        restorable: false,
      },
    ],
    servers_total: 2,
  };
}

/** A manual sync's outcome: it found what is stored, changed nothing (what `partial` says otherwise). */
export function makeSyncOutcome(partial: Partial<SyncOutcome> & Pick<SyncOutcome, 'instance_id'>): SyncOutcome {
  return {
    status: 'ok',
    error: null,
    duration_ms: 12,
    backends: 0,
    servers: 0,
    changed_servers: 0,
    removed_backends: 0,
    removed_servers: 0,
    removals_held: false,
    fenced_servers: 0,
    ambiguous_mappings: 0,
    restarted: false,
    drifting: 0,
    reapplied: null,
    reapply_failed: null,
    ...partial,
  };
}
