import { AdminView, MaintSource, observedState, OperationalState, AdminState } from '../domain/server-state';
import type { ServerStatus } from '../domain/status';
import type { FagentServer } from '../fagent/schemas';

export interface StoredBackend {
  id: number;
  name: string;
  removed: boolean;
}

/** What a sync reads about a server and compares with what is stored. */
interface ServerFields {
  name: string;
  address: string;
  status: ServerStatus;
  rawStatus: string;
  weight: number;
  currentSessions: number;
  maxSessions: number;
  adminState: AdminState | null;
  maintSource: MaintSource | null;
  operationalState: OperationalState | null;
  initialWeight: number | null;
  /** "backend/server" it follows through `track`. */
  tracks: string | null;
  /** A `backup` server (serves when no active one can); null: the agent does not say. */
  backup: boolean | null;
}

export interface StoredServer extends ServerFields {
  id: number;
  backendId: number;
  removed: boolean;
}

/** A backend's server list, or why it could not be read; `fingerprint` when the client computed it (getState). */
export type BackendAnswer = { ok: true; servers: FagentServer[]; fingerprint?: string } | { ok: false; error: string };

/** What the agent said about the instance, for the backends in scope. */
export interface FetchedInstance {
  /** Every backend the agent listed (in and out of scope). */
  backends: string[];
  /** Per in-scope backend: its servers, or why they could not be read. */
  servers: Map<string, BackendAnswer>;
}

export interface ServerRow extends ServerFields {
  backendName: string;
  statusChanged: boolean;
  /** The stored server it updates (undefined: a new one). */
  storedId?: number;
  /** Whether the answer was used (false: a fenced server, sampled as stored). */
  observed: boolean;
}

/** A change of status, admin state or operational state; a side that did not change is null. */
export interface HistoryRow {
  /** Known for stored servers; new servers get their id from the insert. */
  serverId?: number;
  backendName: string;
  serverName: string;
  fromStatus: ServerStatus | null;
  toStatus: ServerStatus;
  rawStatus: string;
  adminFrom: AdminState | null;
  adminTo: AdminState | null;
  operationalFrom: OperationalState | null;
  operationalTo: OperationalState | null;
  /** `reload`: seen in the first answer of a new HAProxy process. */
  cause: 'sync' | 'restored' | 'reload';
}

/** A server whose status a command may have changed since the sync's answer was read (see planSync). */
export type FencedServers = ReadonlySet<number>;

export interface SyncPlan {
  /** Backends to insert or restore (removed_at cleared, same id). */
  upsertBackends: string[];
  removeBackendIds: number[];
  /** New, changed or restored servers. */
  upsertServers: ServerRow[];
  removeServerIds: number[];
  history: HistoryRow[];
  /** In-scope backends whose server list was read, with the servers it listed (for metric samples). */
  sampledBackends: Map<string, ServerRow[]>;
  failedBackends: Array<{ backend: string; error: string }>;
  unchangedServers: number;
  /** Stored servers left as they are because a command on them is newer than the answer. */
  fencedServers: number;
}

export interface PlanOptions {
  fenced?: FencedServers;
  /** The answer comes from a new HAProxy process (undefined: the agent does not say). */
  restarted?: boolean;
}

/**
 * Decides what one sync changes, by DESIGN.md's rules that protect data: only a successful answer can
 * soft-delete; a backend whose server list failed keeps its servers; out-of-scope backends are untouched.
 * `fenced` servers had a command pending or completed after the answer may have been read: the answer may
 * predate the command, so they are neither updated nor removed (the next sync reads them again).
 * A server's admin state is the agent's, or what its status says, or (when the status hides it, e.g. a
 * drained server that is DOWN) the last one known, unless the process restarted (runtime state is gone then).
 * Pure: no I/O, so every rule is tested without a database.
 */
export function planSync(
  storedBackends: readonly StoredBackend[],
  storedServers: readonly StoredServer[],
  fetched: FetchedInstance,
  inScope: (backend: string) => boolean,
  o: PlanOptions = {}
): SyncPlan {
  const fenced = o.fenced ?? new Set<number>();
  const plan: SyncPlan = {
    upsertBackends: [],
    removeBackendIds: [],
    upsertServers: [],
    removeServerIds: [],
    history: [],
    sampledBackends: new Map(),
    failedBackends: [],
    unchangedServers: 0,
    fencedServers: 0,
  };
  const listed = new Set(fetched.backends.filter(inScope));
  const backendByName = new Map(storedBackends.map((b) => [b.name, b]));
  const backendById = new Map(storedBackends.map((b) => [b.id, b]));

  for (const name of listed) {
    const stored = backendByName.get(name);
    if (!stored || stored.removed) {
      plan.upsertBackends.push(name);
    }
  }
  for (const b of storedBackends) {
    if (!b.removed && inScope(b.name) && !listed.has(b.name)) {
      plan.removeBackendIds.push(b.id);
    }
  }

  const serversByBackend = new Map<string, Map<string, StoredServer>>();
  for (const s of storedServers) {
    const backend = backendById.get(s.backendId);
    if (!backend) {
      continue;
    }
    let m = serversByBackend.get(backend.name);
    if (!m) {
      serversByBackend.set(backend.name, (m = new Map()));
    }
    m.set(s.name, s);
  }

  for (const backendName of listed) {
    const answer = fetched.servers.get(backendName);
    if (!answer) {
      continue;
    }
    if (!answer.ok) {
      plan.failedBackends.push({ backend: backendName, error: answer.error });
      continue;
    }
    const stored = serversByBackend.get(backendName) ?? new Map<string, StoredServer>();
    const seen = new Set<string>();
    const rows: ServerRow[] = [];
    for (const s of answer.servers) {
      if (seen.has(s.name)) {
        continue;
      } // an agent listing a name twice: the first one counts
      seen.add(s.name);
      const prev = stored.get(s.name);
      if (prev && !prev.removed && fenced.has(prev.id)) {
        // Sampled as stored: the command's status is the newer fact.
        rows.push({ ...fieldsOf(prev), backendName, statusChanged: false, storedId: prev.id, observed: false });
        plan.fencedServers++;
        continue;
      }
      const known: AdminView | null = prev && !o.restarted ? prev : null;
      const state = observedState(s, known);
      const row: ServerRow = {
        backendName,
        name: s.name,
        address: s.address,
        status: state.status,
        rawStatus: s.status,
        weight: s.weight,
        currentSessions: s.current_sessions,
        maxSessions: s.max_sessions,
        adminState: state.adminState,
        maintSource: state.maintSource,
        operationalState: state.operationalState,
        initialWeight: state.initialWeight,
        tracks: s.tracks ?? null,
        backup: s.backup ?? null,
        statusChanged: !prev || prev.status !== state.status,
        storedId: prev?.id,
        observed: true,
      };
      rows.push(row);
      if (!prev || prev.removed || differs(prev, row)) {
        plan.upsertServers.push(row);
        const adminChanged = !prev || prev.adminState !== row.adminState;
        const operationalChanged = !prev || prev.operationalState !== row.operationalState;
        // A new server's first state and a real change are history; so is coming back after removal.
        if (!prev || prev.removed || row.statusChanged || adminChanged || operationalChanged) {
          plan.history.push({
            serverId: prev?.id,
            backendName,
            serverName: s.name,
            fromStatus: prev?.status ?? null,
            toStatus: state.status,
            rawStatus: s.status,
            adminFrom: adminChanged ? (prev?.adminState ?? null) : null,
            adminTo: adminChanged ? row.adminState : null,
            operationalFrom: operationalChanged ? (prev?.operationalState ?? null) : null,
            operationalTo: operationalChanged ? row.operationalState : null,
            cause: prev?.removed ? 'restored' : prev && o.restarted ? 'reload' : 'sync',
          });
        }
      } else {
        plan.unchangedServers++;
      }
    }
    for (const prev of stored.values()) {
      if (!prev.removed && !seen.has(prev.name) && !fenced.has(prev.id)) {
        plan.removeServerIds.push(prev.id);
      }
    }
    plan.sampledBackends.set(backendName, rows);
  }
  return plan;
}

const FIELDS = [
  'name',
  'address',
  'status',
  'rawStatus',
  'weight',
  'currentSessions',
  'maxSessions',
  'adminState',
  'maintSource',
  'operationalState',
  'initialWeight',
  'tracks',
  'backup',
] as const satisfies ReadonlyArray<keyof ServerFields>;

function fieldsOf(s: StoredServer): ServerFields {
  return Object.fromEntries(FIELDS.map((k) => [k, s[k]])) as unknown as ServerFields;
}

function differs(prev: StoredServer, row: ServerRow): boolean {
  return FIELDS.some((k) => prev[k] !== row[k]);
}
