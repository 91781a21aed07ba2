import { setMaxListeners } from 'node:events';
import { advisoryUnlock } from '../db/advisory-lock';
import { mapLimited } from '../concurrency/limiter';
import type { FagentClient, FagentTarget } from '../fagent/client';
import type { FagentInfo, FagentServer } from '../fagent/schemas';
import { planIntents } from '../intent/drift';
import type { Logger } from '../logger';
import { issued, type ConnectionDb, type PoolDb, type Db } from '../db/db';
import { databaseErrorMessage, isDatabaseUnavailable } from '../db/unavailable';
import { adoptExternal, clearDrifts, recordDrifts } from '../store/desired-state';
import { LockedInstance, lockInstanceRow, recordHeldRemoval, recordSyncResult } from '../store/instances';
import type { MappingIndex } from './auto-mapping';
import { BackendAnswer, FencedServers, FetchedInstance, planSync, SyncPlan } from './diff';
import { answerShapeFingerprint, serversFingerprint } from './fingerprint';
import { auditRemovalConfirmation } from './held-removals';
import { assessRemovals, confirmationNote, decideRemovals, RemovalPolicy } from './removal-guard';
import {
  backendsInScope,
  loadMappingIndex,
  loadStoredInstance,
  lockInstanceForSync,
  readSyncBaseline,
  recordSyncEnd,
  recordUnchangedSync,
  StoredInstance,
  SyncBaseline,
  SyncInstance,
  syncTransaction,
  writeSyncPlan,
} from './sync-store';

export type SyncStatus = 'ok' | 'partial' | 'failed' | 'skipped';
export type WritePath = 'unchanged' | 'changed_backends' | 'whole';

export interface SyncOutcome {
  instanceId: number;
  status: SyncStatus;
  error?: string;
  durationMs: number;
  /** Time spent waiting for the agent (the rest of durationMs is the database). */
  fetchMs?: number;
  /**
   * How much the write read and planned: `unchanged` (the answer said what the last settled sync applied:
   * samples again and the result, in one statement), `changed_backends` (only backends whose server list
   * changed), `whole` (everything stored of the instance).
   */
  path?: WritePath;
  backends?: number;
  servers?: number;
  changedServers?: number;
  removedBackends?: number;
  /** Servers soft-deleted, those of removed backends included. */
  removedServers?: number;
  ambiguousMappings?: number;
  /** The answer would have removed too much at once: nothing was removed (the instance shows it). */
  removalsHeld?: boolean;
  /** Servers left as stored because a command on them is newer than the answer. */
  fencedServers?: number;
  /** The answer came from a new HAProxy process (undefined: the agent does not say). */
  restarted?: boolean;
  /** Servers whose admin state HAProxy lost (drift found or still there), and changes adopted as external. */
  drifting?: number;
  adoptedExternal?: number;
  /** Drifting servers re-sent their desired state after the write (policy `reapply`), and how many held. */
  reapplied?: number;
  reapplyFailed?: number;
}

/** Re-sends the desired state of drifting servers (intent/reconciler.ts), after the sync's write. */
export type Reapply = (serverIds: readonly number[]) => Promise<{ reapplied: number; failed: number }>;

export interface SyncOptions {
  /** Bypass the FAgent cache (manual "Sync now"). */
  fresh?: boolean;
  /** Skip when another process synced the instance this recently (scheduled cycles across replicas). */
  skipIfSyncedWithinMs?: number;
  /** Hosts and applications for auto-mapping, read once per cycle; read fresh when absent. */
  mappingIndex?: MappingIndex;
  /** Skip an instance (or host) deactivated since the cycle listed it: scheduled syncs wait their turn. */
  activeOnly?: boolean;
}

export interface InstanceSyncOptions {
  fetchConcurrency: number;
  /** HAPROXY_SYNC_DEADLINE: the whole sync, agent and database. */
  deadlineMs: number;
  removals: RemovalPolicy;
  clock?: () => Date;
  /** Without it drifts are recorded, never re-applied. */
  reapply?: Reapply;
}

type Fetched = FetchedInstance & {
  inScope: (backend: string) => boolean;
  /** The HAProxy process, when the agent says (/state, or /info). */
  info?: FagentInfo;
};

/** An answer with its fingerprints (sync/fingerprint.ts): what lets the sync write only what changed. */
type Fingerprinted = Fetched & {
  /** The answer's shape: backend list, scope, process, auto-mapping's inputs. */
  shape: string;
  /** Per in-scope backend whose server list came. */
  fingerprints: Map<string, string>;
};

/**
 * Whether the sync's session still holds the instance's lock (the unchanged write releases it itself), and the
 * database's time from the lock's on: what the sync writes (its time, history, drifts) other replicas judge, and
 * their clocks may disagree with this one's.
 */
type SyncLock = { held: boolean; now: () => Date };

/** What the write decided, and the drifting servers to re-apply once it is committed. */
type Written = SyncOutcome & { reapply: number[] };

/**
 * Whether the answer comes from another HAProxy process than the last one seen (a reload or restart);
 * undefined when either is not known (an agent without /info, or the first answer).
 */
function processRestarted(
  known: Pick<LockedInstance, 'haproxy_pid' | 'haproxy_started_at'>,
  info: FagentInfo | undefined
): boolean | undefined {
  if (!info || known.haproxy_pid === null || !known.haproxy_started_at) {
    return undefined;
  }
  return known.haproxy_pid !== info.pid || !sameStart(known.haproxy_started_at.getTime(), Date.parse(info.started_at));
}

/**
 * An agent may derive the start time as now - uptime on every call (HAProxy before 2.6 has no Start_time_sec):
 * it moves by a second or so while the process stays. The same pid started within this is the same process.
 */
const START_JITTER_MS = 2000;

const sameStart = (a: number, b: number) => Math.abs(a - b) <= START_JITTER_MS;

/** The answer's process with the start time last recorded when it is that process: fingerprints stay put. */
function steadyInfo(info: FagentInfo | undefined, known: SyncInstance): FagentInfo | undefined {
  const recorded = known.haproxy_started_at;
  return info &&
    recorded &&
    known.haproxy_pid === info.pid &&
    sameStart(recorded.getTime(), Date.parse(info.started_at))
    ? { ...info, started_at: recorded.toISOString() }
    : info;
}

/**
 * The process the seed protocol's lists came from: the one /info named before and after them (both read fresh).
 * A reload in between leaves it unknown, as with an agent without /info: the lists may be the old
 * process's, and a sync that recorded the new one would take the next sync's lists (the new process, its
 * drains and maints gone) for changes made outside under the same process, and adopt them instead of
 * re-applying them. So the process is not recorded, and the next sync sees the restart.
 */
function sameProcess(before: FagentInfo | undefined, after: FagentInfo | undefined): FagentInfo | undefined {
  const same =
    before &&
    after &&
    before.pid === after.pid &&
    sameStart(Date.parse(before.started_at), Date.parse(after.started_at));
  return same ? after : undefined;
}

/**
 * A server list as the sync's answer, its servers read only when planned: an unchanged backend's list may still
 * be undecoded (getState, getServerList).
 */
const listed = (list: { fingerprint?: string; readonly servers: FagentServer[] }): BackendAnswer => ({
  ok: true,
  fingerprint: list.fingerprint,
  get servers() {
    return list.servers;
  },
});

/**
 * Throws when there were server lists to read and none could be: nothing usable came back, which counts against
 * the agent (breaker) rather than as a partial success.
 */
function noneRead(servers: ReadonlyMap<string, BackendAnswer>): void {
  const answers = [...servers.values()];
  if (answers.length > 0 && answers.every((r) => !r.ok)) {
    const first = answers[0];
    throw new Error(`every backend's server list failed (${answers.length}); first: ${first.ok ? '' : first.error}`);
  }
}

function fingerprinted(answer: Fetched, instance: SyncInstance, mapping: MappingIndex): Fingerprinted {
  const fetched = { ...answer, info: steadyInfo(answer.info, instance) };
  const fingerprints = new Map<string, string>();
  for (const [backend, answer] of fetched.servers) {
    if (answer.ok) {
      fingerprints.set(backend, answer.fingerprint ?? serversFingerprint(answer.servers));
    }
  }
  const shape = answerShapeFingerprint({
    backends: fetched.backends,
    scope: instance.backend_scope,
    info: fetched.info,
    mapping: mapping.fingerprint,
  });
  return { ...fetched, shape, fingerprints };
}

/**
 * What the write reads of the stored instance in the same round trip as its baseline, before the baseline says
 * what it needs: from the hint read with the lock, the servers of the backends whose fingerprint moved, or of
 * every backend (`names` undefined) when the answer's shape moved or none did. planWrite reads again when the
 * baseline disagrees.
 */
interface Preloaded {
  names: readonly string[] | undefined;
  stored: StoredInstance;
}

/**
 * By the hint read with the lock: the in-scope backends whose server list is not the one last applied (a
 * backend whose read failed among them, as planWrite counts it); undefined when the answer's shape moved.
 */
function changedByHint(instance: SyncInstance, fetched: Fingerprinted): string[] | undefined {
  if (instance.sync_fingerprint !== fetched.shape) {
    return undefined;
  }
  return [...fetched.servers.keys()].filter((name) => {
    const fingerprint = fetched.fingerprints.get(name);
    return fingerprint === undefined || instance.backend_fingerprints[name] !== fingerprint;
  });
}

/** `stored` as loadStoredInstance(names) reads it: every backend, the servers and intents of those named. */
function narrowed(stored: StoredInstance, names: readonly string[]): StoredInstance {
  const wanted = new Set(names);
  const ids = new Set(stored.backends.filter((b) => wanted.has(b.name)).map((b) => b.id));
  const servers = stored.servers.filter((s) => ids.has(s.backendId));
  const kept = new Set(servers.map((s) => s.id));
  return {
    backends: stored.backends,
    servers,
    intents: new Map([...stored.intents].filter(([id]) => kept.has(id))),
  };
}

/**
 * What the write reads and plans. When the baseline can be trusted (the shape is the last settled one's and
 * nothing was written outside the sync since), a backend whose server list has the fingerprint last applied to
 * it is unchanged: only the other backends' servers are read and planned, the unchanged ones sample what they
 * sampled last. Removals, and new or returning backends, are planned over the whole instance (the removal
 * guard counts shares of it).
 */
async function planWrite(
  tx: Db,
  instanceId: number,
  fetched: Fingerprinted,
  baseline: SyncBaseline,
  row: LockedInstance,
  preloaded: Preloaded,
  o: { fenced: FencedServers; restarted: boolean | undefined }
): Promise<{ stored: StoredInstance; plan: SyncPlan; unchanged: number[] }> {
  const load = async (names?: readonly string[]) => {
    if (preloaded.names === undefined) {
      return names ? narrowed(preloaded.stored, names) : preloaded.stored;
    }
    if (names?.every((name) => preloaded.names!.includes(name))) {
      return narrowed(preloaded.stored, names);
    }
    return loadStoredInstance(tx, instanceId, names);
  };
  const whole = async () => {
    const stored = await load();
    return { stored, plan: planSync(stored.backends, stored.servers, fetched, fetched.inScope, o), unchanged: [] };
  };
  const trusted =
    baseline.fingerprint === fetched.shape && baseline.changeIds.length === 0 && row.held_removal === null;
  if (!trusted) {
    return whole();
  }
  const sampledBefore = new Set(baseline.sampledBackendIds);
  const byName = new Map(baseline.backends.map((b) => [b.name, b]));
  const unchanged: number[] = [];
  const changed: string[] = [];
  const servers = new Map<string, BackendAnswer>();
  for (const [name, answer] of fetched.servers) {
    const b = byName.get(name);
    if (!b) {
      return whole();
    }
    if (answer.ok && b.fingerprint === fetched.fingerprints.get(name) && sampledBefore.has(b.id)) {
      unchanged.push(b.id);
    } else {
      changed.push(name);
      servers.set(name, answer);
    }
  }
  if (unchanged.length === 0) {
    return whole();
  }
  const stored = await load(changed);
  const plan = planSync(stored.backends, stored.servers, { ...fetched, servers }, fetched.inScope, o);
  if (plan.removeBackendIds.length + plan.removeServerIds.length + plan.upsertBackends.length > 0) {
    return whole();
  }
  return { stored, plan, unchanged };
}

/** PostgreSQL's "canceling statement due to statement timeout": the deadline reached the write. */
const STATEMENT_TIMEOUT = '57014';

/** How often a manual sync looks again for the instance's lock while another process holds it. */
const LOCK_POLL_MS = 100;

/** The least time given to recording a failed sync's result, even past the deadline. */
const RESULT_MIN_MS = 500;

/**
 * The seed's `sync_haproxy_instance` (docs/design.md): under the instance's lock, the agent's answer through
 * the breaker -> planSync -> the removal guard -> one transaction of bulk writes (sync-store.ts) -> the sync's
 * result on the instance. All of it within one deadline: agent calls get its AbortSignal, the write a
 * statement timeout of the time left; past it the sync fails and writes nothing but its result.
 */
export class InstanceSync {
  constructor(
    private readonly db: PoolDb,
    private readonly client: FagentClient,
    private readonly log: Logger,
    private readonly opts: InstanceSyncOptions
  ) {}

  async sync(instanceId: number, o: SyncOptions = {}): Promise<SyncOutcome> {
    let started = Date.now();
    try {
      // One connection throughout: the lock is the session's, and the writes are one transaction on it.
      return await this.db.connection(async (conn) => {
        let instance = await lockInstanceForSync(conn, instanceId, this.opts.deadlineMs);
        // A manual sync ("Sync now") waits, up to a deadline, for the sync another process runs, as it waits for
        // one of this process (the scheduler): skipped, its caller would get nothing read after asking.
        const waitUntil = started + this.opts.deadlineMs;
        while (o.fresh && instance && !instance.locked && Date.now() < waitUntil) {
          await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
          instance = await lockInstanceForSync(conn, instanceId, this.opts.deadlineMs);
        }
        if (instance?.locked) {
          // Its deadline counts from the lock, not from the wait for it.
          started = Date.now();
        }
        const deadline = AbortSignal.timeout(this.opts.deadlineMs);
        // The seed protocol's reads (HAPROXY_FETCH_CONCURRENCY at once, and their retries) all listen to it.
        setMaxListeners(0, deadline);
        if (!instance) {
          return { instanceId, status: 'skipped', error: 'instance not found', durationMs: Date.now() - started };
        }
        if (!instance.locked) {
          return {
            instanceId,
            status: 'skipped',
            error: 'another process is syncing this instance',
            durationMs: Date.now() - started,
          };
        }
        // The database's clock as this one's plus the difference seen when the lock came (a round trip's error).
        const offsetMs = instance.locked_at.getTime() - Date.now();
        const lock = { held: true, now: () => this.opts.clock?.() ?? new Date(Date.now() + offsetMs) };
        try {
          return await this.syncLocked(conn, instance, o, started, deadline, lock);
        } finally {
          if (lock.held) {
            await this.release(conn, instanceId);
          }
        }
      });
    } catch (err) {
      // The database failed outside the guarded parts (taking the lock, recording a failure).
      const error = this.databaseError(err);
      this.log.error({ instance_id: instanceId, err: error }, 'sync failed');
      return { instanceId, status: 'failed', error, durationMs: Date.now() - started };
    }
  }

  private async syncLocked(
    conn: ConnectionDb,
    instance: SyncInstance,
    o: SyncOptions,
    started: number,
    deadline: AbortSignal,
    lock: SyncLock
  ): Promise<SyncOutcome> {
    const instanceId = instance.id;
    const log = this.log.child({ instance: instance.name, instance_id: instance.id, host: instance.host_name });
    if (o.activeOnly && !instance.active) {
      return { instanceId, status: 'skipped', error: 'instance or host deactivated', durationMs: Date.now() - started };
    }
    if (
      o.skipIfSyncedWithinMs &&
      instance.last_sync_at &&
      lock.now().getTime() - instance.last_sync_at.getTime() < o.skipIfSyncedWithinMs
    ) {
      return {
        instanceId,
        status: 'skipped',
        error: 'synced recently by another process',
        durationMs: Date.now() - started,
      };
    }
    const target: FagentTarget = {
      instanceId: instance.id,
      instanceName: instance.name,
      baseUrl: instance.fagent_url,
      token: instance.fagent_token,
    };
    const failed = async (error: string, message: string): Promise<SyncOutcome> => {
      const durationMs = Date.now() - started;
      // Bounded too: a row lock held elsewhere must not keep a failed sync (and its lock) past its deadline.
      const leftMs = Math.max(started + this.opts.deadlineMs - Date.now(), RESULT_MIN_MS);
      await conn
        .transaction(
          (tx) => recordSyncResult(tx, instanceId, { at: lock.now(), success: false, error, durationMs }),
          syncTransaction(leftMs)
        )
        .catch((err: Error) => log.error({ err: err.message }, 'sync result not recorded'));
      log.warn({ err: error, duration_ms: durationMs }, message);
      return { instanceId, status: 'failed', error, durationMs };
    };

    let fetched: Fetched;
    const fetchStarted = Date.now();
    try {
      fetched = await this.client.breakers.run(
        instance.id,
        () => this.fetch(conn, instance, target, o.fresh ?? false, deadline),
        instance.name
      );
    } catch (err) {
      const error = isDatabaseUnavailable(err)
        ? this.databaseError(err)
        : deadline.aborted
          ? `sync deadline (${this.opts.deadlineMs} ms) reached while reading the agent: ${(err as Error).message}`
          : (err as Error).message;
      return failed(error, 'sync failed: FAgent answer unusable, nothing changed');
    }
    const fetchMs = Date.now() - fetchStarted;

    const leftMs = started + this.opts.deadlineMs - Date.now();
    if (leftMs <= 0) {
      return failed(`sync deadline (${this.opts.deadlineMs} ms) reached before writing: nothing written`, 'sync late');
    }
    let written: Written;
    try {
      const mappingIndex = o.mappingIndex ?? (await loadMappingIndex(conn));
      const answer = fingerprinted(fetched, instance, mappingIndex);
      written =
        (await this.writeUnchanged(conn, instance, answer, started, lock)) ??
        (await this.write(conn, instance, answer, started, leftMs, lock, { ...o, mappingIndex }));
    } catch (err) {
      const error =
        (err as { driverError?: { code?: string } }).driverError?.code === STATEMENT_TIMEOUT
          ? `sync deadline (${this.opts.deadlineMs} ms) reached while writing: rolled back, nothing written`
          : this.databaseError(err);
      return failed(error, 'sync rolled back');
    }
    const { reapply, ...rest } = written;
    const outcome: SyncOutcome = { ...rest, fetchMs, ...(await this.reapplyDrifts(reapply, log)) };
    const level = outcome.status === 'ok' && !outcome.removalsHeld && !outcome.drifting ? 'info' : 'warn';
    log[level](
      { ...outcome, instanceId: undefined },
      outcome.removalsHeld ? 'sync done, removals held' : outcome.status === 'ok' ? 'sync done' : 'sync partly failed'
    );
    return outcome;
  }

  /**
   * After the write (committed: the commands take the instance's row lock), still under the sync's advisory
   * lock, so no other sync of the instance reads HAProxy half re-applied.
   */
  private async reapplyDrifts(serverIds: readonly number[], log: Logger): Promise<Partial<SyncOutcome>> {
    if (serverIds.length === 0 || !this.opts.reapply) {
      return {};
    }
    try {
      const r = await this.opts.reapply(serverIds);
      return { reapplied: r.reapplied, reapplyFailed: r.failed };
    } catch (err) {
      log.error({ err: this.databaseError(err) }, 'drifts not re-applied');
      return { reapplied: 0, reapplyFailed: serverIds.length };
    }
  }

  /**
   * One guarded operation: the agent's /state when it offers it (the whole instance in one answer), else the
   * seed's reads: the backend list must come back, each backend's servers may fail alone, and /info is asked
   * when offered, before the lists and after them (sameProcess). A scope is matched by PostgreSQL once the
   * names are known (a database error there counts against the breaker once, in the moment between this sync
   * taking its lock and reading the scope).
   */
  private async fetch(
    conn: Db,
    instance: SyncInstance,
    target: FagentTarget,
    fresh: boolean,
    signal: AbortSignal
  ): Promise<Fetched> {
    const scopeOf = async (listed: string[]) => {
      const scoped =
        instance.backend_scope && (await backendsInScope(conn, instance.id, instance.backend_scope, listed));
      return scoped ? (backend: string) => scoped.has(backend) : () => true;
    };
    const state = await this.client.getState(target, { fresh, signal, known: instance.backend_fingerprints });
    if (state) {
      const backends = state.backends.map((b) => b.name);
      const inScope = await scopeOf(backends);
      const servers = new Map<string, BackendAnswer>();
      for (const b of state.backends) {
        if (inScope(b.name) && !servers.has(b.name)) {
          servers.set(b.name, b.error === undefined ? listed(b) : { ok: false, error: b.error });
        }
      }
      noneRead(servers);
      if (state.infoError !== undefined) {
        // As a failed /info beside the seed's lists: the process is unknown, the lists still count.
        this.log.warn({ instance: target.instanceName, err: state.infoError }, 'HAProxy process info not read');
      }
      return { backends, servers, inScope, info: state.info };
    }
    // The process before the lists and again after, both read now (a cached one may be of an older process):
    // HAProxy may reload while they are read (see sameProcess).
    const infoBefore = this.processInfo(target, true, signal);
    const backends = await this.client.getBackends(target, { fresh, signal });
    const inScope = await scopeOf(backends);
    const wanted = [...new Set(backends)].filter(inScope);
    const results = await mapLimited(
      wanted,
      this.opts.fetchConcurrency,
      async (backend): Promise<[string, BackendAnswer]> => {
        try {
          return [backend, listed(await this.client.getServerList(target, backend, { fresh, signal }))];
        } catch (err) {
          return [backend, { ok: false, error: (err as Error).message }];
        }
      }
    );
    if (signal.aborted) {
      // Some lists came, others were cut: an answer cut by our own deadline is no answer.
      const cut = results.filter(([, r]) => !r.ok).length;
      throw new Error(`${cut} of ${wanted.length} backends' server lists were not read in time`);
    }
    const servers = new Map(results);
    noneRead(servers);
    const infoAfter = await this.processInfo(target, true, signal);
    return { backends, servers, inScope, info: sameProcess(await infoBefore, infoAfter) };
  }

  /**
   * The HAProxy process for an agent without /state: undefined when it does not offer /info, and when /info
   * fails (the server lists are complete without it; the sync then cannot tell a restart, as with a seed agent).
   */
  private async processInfo(target: FagentTarget, fresh: boolean, signal: AbortSignal) {
    try {
      return await this.client.getInfo(target, { fresh, signal });
    } catch (err) {
      this.log.warn({ instance: target.instanceName, err: (err as Error).message }, 'HAProxy process info not read');
      return undefined;
    }
  }

  /**
   * The sync of an answer that says what the last settled sync applied, when nothing changed outside since
   * (sync-store.ts recordUnchangedSync checks it in the same statement): the samples again and the result, no
   * stored state read, no row lock waited for. Undefined when it does not hold: then the whole write runs.
   * One statement on the sync's session, which also releases its lock: bounded by the session's timeout (the
   * deadline, set with the lock) rather than by the time left, since it cannot wait for a lock.
   */
  private async writeUnchanged(
    conn: ConnectionDb,
    instance: SyncInstance,
    answer: Fingerprinted,
    started: number,
    lock: SyncLock
  ): Promise<Written | undefined> {
    if (changedByHint(instance, answer)?.length !== 0 || !instance.sync_sampled_at) {
      return undefined;
    }
    const backends = [...answer.fingerprints].map(([name, fingerprint]) => ({ name, fingerprint }));
    const durationMs = Date.now() - started;
    const previousSampledAt = instance.sync_sampled_at;
    const done = await recordUnchangedSync(conn, instance.id, {
      fingerprint: answer.shape,
      backends,
      previousSampledAt,
      processSeen: answer.info !== undefined,
      result: { at: lock.now(), success: true, error: null, durationMs },
    });
    if (done === undefined) {
      return undefined;
    }
    lock.held = false;
    if (!done.unlocked) {
      // Not this session's lock to release: the session is in a state nobody expects, so it is not reused.
      conn.discard();
    }
    const servers = done.servers;
    return {
      instanceId: instance.id,
      status: 'ok',
      durationMs,
      path: 'unchanged',
      backends: backends.length,
      servers,
      changedServers: 0,
      removedBackends: 0,
      removedServers: 0,
      removalsHeld: false,
      fencedServers: 0,
      // The fingerprint holds the process: the same one as the last sync's, when the agent tells it.
      restarted: answer.info ? false : undefined,
      drifting: 0,
      adoptedExternal: 0,
      reapply: [],
    };
  }

  /**
   * The changed write in three round trips where nothing new is stored: the row lock, the baseline and the
   * likely-changed servers in one (BEGIN goes with them); the writes, the result, COMMIT and, with nothing to
   * re-apply, the lock's release in another. Statements that need an answer first (new backends and servers,
   * a baseline that disagrees with the hint) cost one round trip more each.
   */
  private async write(
    conn: ConnectionDb,
    instance: SyncInstance,
    fetched: Fingerprinted,
    started: number,
    leftMs: number,
    lock: SyncLock,
    o: SyncOptions & { mappingIndex: MappingIndex }
  ): Promise<Written> {
    const instanceId = instance.id;
    const now = lock.now();
    return conn.transaction(async (tx) => {
      // A cached answer may be up to a TTL older than this sync: so may the commands that it predates.
      const answerAge = o.fresh ? 0 : this.client.cache.ttlMs;
      const changed = changedByHint(instance, fetched);
      const names = changed?.length ? changed : undefined;
      // The row lock comes first: a command that starts now waits until this transaction ends, and one that
      // started before is among the baseline's fenced servers. PostgreSQL runs the statements in order, so the
      // baseline's and the servers' snapshots are taken once the lock is held.
      const [row, baseline, preloaded] = await Promise.all([
        lockInstanceRow(tx, instanceId),
        readSyncBaseline(tx, instanceId, new Date(instance.locked_at.getTime() - answerAge)),
        loadStoredInstance(tx, instanceId, names),
      ]);
      // The flight's answers often arrive with other syncs' in one read: planning each in a turn of its own lets
      // the API's requests in between.
      await new Promise((resolve) => setImmediate(resolve));
      if (!row || !baseline) {
        return { instanceId, status: 'skipped', error: 'instance deleted during the sync', durationMs: 0, reapply: [] };
      }
      if (row.name !== instance.name || row.fagent_url !== instance.fagent_url) {
        // Renamed, or its host given another agent, while this sync read: the answer is another target's.
        const error = 'instance renamed or its agent moved during the sync: answer not written';
        return { instanceId, status: 'skipped', error, durationMs: 0, reapply: [] };
      }
      const restarted = processRestarted(row, fetched.info);
      const { stored, plan, unchanged } = await planWrite(
        tx,
        instanceId,
        fetched,
        baseline,
        row,
        { names, stored: preloaded },
        { fenced: baseline.fenced, restarted }
      );
      const intents = planIntents(
        [...plan.sampledBackends.values()].flat(),
        new Map(stored.servers.map((s) => [s.id, s])),
        stored.intents,
        { restarted, policy: row.reconcile_policy, now }
      );
      const assessment = assessRemovals(
        stored.backends,
        stored.servers,
        plan,
        fetched.inScope,
        this.opts.removals.maxShare
      );
      const decision = decideRemovals(assessment, row.held_removal, this.opts.removals, now);
      const applied = decision.apply ? plan : { ...plan, removeBackendIds: [], removeServerIds: [] };
      const note = decision.confirmed
        ? confirmationNote({ ...assessment, since: decision.confirmed.since }, { syncs: decision.confirmed.syncs })
        : null;
      // From here every statement is issued without waiting for the one before, and all are awaited at the end.
      const { backendIds, written } = await writeSyncPlan(tx, instanceId, stored, applied, now, o.mappingIndex, {
        removalNote: note,
        externalChanges: new Set(intents.adopt.map((a) => a.serverId)),
        sampleAgain: baseline.sampledAt ? { from: baseline.sampledAt, backendIds: unchanged } : undefined,
      });
      const statements: Array<Promise<unknown>> = [
        written,
        issued(adoptExternal(tx, intents.adopt, now)),
        issued(recordDrifts(tx, intents.drift, now)),
        issued(clearDrifts(tx, intents.clear)),
      ];
      if (decision.hold || row.held_removal) {
        statements.push(issued(recordHeldRemoval(tx, instanceId, decision.hold)));
      }
      if (note) {
        statements.push(issued(auditRemovalConfirmation(tx, { id: instanceId, name: row.name }, note, now)));
      }
      const error = plan.failedBackends.length
        ? `${plan.failedBackends.length} backend(s) could not be read: ` +
          plan.failedBackends
            .map((f) => `${f.backend}: ${f.error}`)
            .join('; ')
            .slice(0, 2000)
        : null;
      // Settled: the next sync of the same answer would change nothing (no drift to record or re-apply, no
      // removal held, every backend read), so the shape may be trusted next time.
      const settled =
        plan.failedBackends.length === 0 &&
        decision.apply &&
        !decision.hold &&
        intents.adopt.length + intents.drift.length + intents.clear.length === 0;
      const durationMs = Date.now() - started;
      statements.push(
        issued(
          recordSyncEnd(tx, instanceId, {
            instance: settled ? fetched.shape : null,
            backends: [...plan.sampledBackends].map(([name, rows]) => ({
              id: backendIds.get(name)!,
              // A fenced server was left as stored: its backend's rows do not follow this answer.
              fingerprint: rows.every((r) => r.observed) ? (fetched.fingerprints.get(name) ?? null) : null,
            })),
            sampledAt: now,
            accounted: baseline.changeIds,
            // A partial answer keeps the process we knew: the next sync compares the unread backends with it again.
            process:
              fetched.info && plan.failedBackends.length === 0
                ? { version: fetched.info.version, pid: fetched.info.pid, startedAt: new Date(fetched.info.started_at) }
                : undefined,
            result: { at: lock.now(), success: error === null, error, durationMs },
          })
        )
      );
      statements.push(tx.commit());
      if (intents.reapply.length === 0 || !this.opts.reapply) {
        // Nothing to re-apply under the lock: it is released behind the COMMIT, in the same write.
        lock.held = false;
        statements.push(this.release(conn, instanceId));
      }
      const [{ ambiguousMappings, serversSampledAgain, serversRemoved }] = (await Promise.all(statements)) as [
        Awaited<typeof written>,
      ];
      let servers = serversSampledAgain;
      for (const rows of plan.sampledBackends.values()) {
        servers += rows.length;
      }
      return {
        instanceId,
        status: error === null ? 'ok' : 'partial',
        ...(error ? { error } : {}),
        durationMs,
        path: unchanged.length > 0 ? 'changed_backends' : 'whole',
        backends: plan.sampledBackends.size + unchanged.length,
        servers,
        changedServers: plan.upsertServers.length,
        removedBackends: applied.removeBackendIds.length,
        removedServers: serversRemoved,
        ambiguousMappings,
        removalsHeld: !decision.apply,
        fencedServers: plan.fencedServers,
        restarted,
        drifting: intents.drift.length,
        adoptedExternal: intents.adopt.length,
        reapply: intents.reapply,
      };
    }, syncTransaction(leftMs));
  }

  /** Releases the sync's lock and session timeout; a lock that cannot be released closes the connection. */
  private async release(conn: ConnectionDb, instanceId: number): Promise<void> {
    if (!(await advisoryUnlock(conn, instanceId, { resetTimeout: true }))) {
      this.log.warn({ instance_id: instanceId }, 'sync lock not released: connection closed');
    }
  }

  private databaseError(err: unknown): string {
    return `${isDatabaseUnavailable(err) ? 'database unavailable' : 'database error'}: ${databaseErrorMessage(err)}`;
  }
}
