import { stateFromStatus } from '../../src/domain/server-state';
import type { FagentServer } from '../../src/fagent/schemas';
import { FetchedInstance, planSync, StoredBackend, StoredServer } from '../../src/sync/diff';

const server = (name: string, status = 'UP', extra: Partial<FagentServer> = {}) => ({
  name,
  address: '10.0.0.1:80',
  status,
  weight: 1,
  current_sessions: 0,
  max_sessions: 10,
  ...extra,
});

const stored = (
  id: number,
  backendId: number,
  name: string,
  status: StoredServer['status'] = 'UP',
  removed = false
): StoredServer => ({
  id,
  backendId,
  name,
  address: '10.0.0.1:80',
  status,
  rawStatus: status,
  weight: 1,
  currentSessions: 0,
  maxSessions: 10,
  tracks: null,
  backup: null,
  ...stateFromStatus(status).admin,
  operationalState: stateFromStatus(status).operationalState,
  initialWeight: null,
  removed,
});

const fetched = (
  backends: Record<string, Array<ReturnType<typeof server>> | Error>,
  extraListed: string[] = []
): FetchedInstance => ({
  backends: [...Object.keys(backends), ...extraListed],
  servers: new Map(
    Object.entries(backends).map(([b, v]) => [
      b,
      v instanceof Error ? { ok: false as const, error: v.message } : { ok: true as const, servers: v },
    ])
  ),
});

const all = () => true;

describe('planSync', () => {
  const backends: StoredBackend[] = [
    { id: 1, name: 'web', removed: false },
    { id: 2, name: 'api', removed: false },
  ];

  test('new backends and servers are created with a first history row', () => {
    const plan = planSync([], [], fetched({ web: [server('w1'), server('w2', 'DOWN 1/3')] }), all);
    expect(plan.upsertBackends).toEqual(['web']);
    expect(plan.upsertServers.map((s) => [s.name, s.status, s.rawStatus])).toEqual([
      ['w1', 'UP', 'UP'],
      ['w2', 'DOWN', 'DOWN 1/3'],
    ]);
    expect(plan.history.map((h) => [h.serverName, h.fromStatus, h.toStatus])).toEqual([
      ['w1', null, 'UP'],
      ['w2', null, 'DOWN'],
    ]);
  });

  test('a backend missing from a complete answer is soft-deleted; servers missing from their list too', () => {
    const plan = planSync(
      backends,
      [stored(10, 1, 'w1'), stored(11, 1, 'w2'), stored(20, 2, 'a1')],
      fetched({ web: [server('w1')] }),
      all
    );
    expect(plan.removeBackendIds).toEqual([2]);
    expect(plan.removeServerIds).toEqual([11]);
    expect(plan.upsertServers).toEqual([]);
    expect(plan.unchangedServers).toBe(1);
  });

  test('a backend whose server list failed keeps its servers and is reported', () => {
    const plan = planSync(
      backends,
      [stored(10, 1, 'w1'), stored(20, 2, 'a1')],
      fetched({ web: [server('w1')], api: new Error('HTTP 500') }),
      all
    );
    expect(plan.removeServerIds).toEqual([]);
    expect(plan.removeBackendIds).toEqual([]);
    expect(plan.failedBackends).toEqual([{ backend: 'api', error: 'HTTP 500' }]);
    expect(plan.sampledBackends.has('api')).toBe(false);
  });

  test('backends outside the scope are neither soft-deleted nor read', () => {
    const inScope = (b: string) => b === 'web';
    const plan = planSync(
      backends,
      [stored(10, 1, 'w1'), stored(20, 2, 'a1')],
      fetched({ web: [server('w1')] }),
      inScope
    );
    expect(plan.removeBackendIds).toEqual([]);
    expect(plan.removeServerIds).toEqual([]);
    const listedButOut = planSync(
      [],
      [],
      { backends: ['web', 'other'], servers: new Map([['web', { ok: true, servers: [] }]]) },
      inScope
    );
    expect(listedButOut.upsertBackends).toEqual(['web']);
  });

  test('a reappearing backend and server are restored, keeping their ids', () => {
    const plan = planSync(
      [{ id: 1, name: 'web', removed: true }],
      [stored(10, 1, 'w1', 'MAINT', true)],
      fetched({ web: [server('w1', 'UP')] }),
      all
    );
    expect(plan.upsertBackends).toEqual(['web']);
    expect(plan.upsertServers.map((s) => s.name)).toEqual(['w1']);
    expect(plan.history).toEqual([
      expect.objectContaining({ serverId: 10, fromStatus: 'MAINT', toStatus: 'UP', cause: 'restored' }),
    ]);
  });

  test('only a real status change writes history; other changes only update the row', () => {
    const plan = planSync(
      backends.slice(0, 1),
      [stored(10, 1, 'w1'), stored(11, 1, 'w2'), stored(12, 1, 'w3')],
      fetched({ web: [server('w1', 'UP 2/3'), server('w2', 'UP', { current_sessions: 7 }), server('w3', 'DRAIN')] }),
      all
    );
    expect(plan.upsertServers.map((s) => s.name)).toEqual(['w1', 'w2', 'w3']);
    expect(plan.history.map((h) => [h.serverId, h.fromStatus, h.toStatus])).toEqual([[12, 'UP', 'DRAIN']]);
  });

  test('a server that becomes a backup (or stops being one) is updated, without history', () => {
    const plan = planSync(
      backends.slice(0, 1),
      [stored(10, 1, 'w1'), stored(11, 1, 'w2')],
      fetched({ web: [server('w1', 'UP', { backup: true }), server('w2')] }),
      all
    );
    expect(plan.upsertServers.map((s) => [s.name, s.backup])).toEqual([['w1', true]]);
    expect(plan.history).toEqual([]);
    const back = planSync(
      backends.slice(0, 1),
      [{ ...stored(10, 1, 'w1'), backup: true }],
      fetched({ web: [server('w1', 'UP', { backup: false })] }),
      all
    );
    expect(back.upsertServers.map((s) => [s.name, s.backup])).toEqual([['w1', false]]);
  });

  test('nothing changed: nothing to write but the metric sample', () => {
    const plan = planSync(backends.slice(0, 1), [stored(10, 1, 'w1')], fetched({ web: [server('w1')] }), all);
    expect(plan).toMatchObject({
      upsertBackends: [],
      removeBackendIds: [],
      upsertServers: [],
      removeServerIds: [],
      history: [],
      unchangedServers: 1,
    });
    expect(plan.sampledBackends.get('web')).toHaveLength(1);
  });

  test('a server listed twice counts once', () => {
    const plan = planSync([], [], fetched({ web: [server('w1', 'UP'), server('w1', 'DOWN')] }), all);
    expect(plan.upsertServers).toHaveLength(1);
    expect(plan.upsertServers[0].status).toBe('UP');
  });

  test('a fenced server (a command newer than the answer) is neither updated nor removed, and sampled as stored', () => {
    const plan = planSync(
      backends.slice(0, 1),
      [stored(10, 1, 'w1', 'DRAIN'), stored(11, 1, 'w2'), stored(12, 1, 'w3', 'MAINT'), stored(13, 1, 'w4')],
      // The answer predates the commands on w1 (drain) and w3 (maint), and w3 looked gone then.
      fetched({ web: [server('w1', 'UP'), server('w2', 'DOWN'), server('w4')] }),
      all,
      { fenced: new Set([10, 12]) }
    );
    expect(plan.upsertServers.map((s) => [s.name, s.status])).toEqual([['w2', 'DOWN']]);
    expect(plan.history.map((h) => h.serverName)).toEqual(['w2']);
    expect(plan.removeServerIds).toEqual([]);
    expect(plan.fencedServers).toBe(1);
    expect(plan.sampledBackends.get('web')!.map((r) => [r.name, r.status])).toEqual([
      ['w1', 'DRAIN'],
      ['w2', 'DOWN'],
      ['w4', 'UP'],
    ]);
  });

  describe('the admin and operational states', () => {
    const history = (plan: ReturnType<typeof planSync>) =>
      plan.history.map((h) => [h.serverName, h.cause, h.adminFrom, h.adminTo, h.operationalFrom, h.operationalTo]);

    test("the agent's fields are stored; a drained server whose checks fail is drain + down", () => {
      const plan = planSync(
        backends.slice(0, 1),
        [stored(10, 1, 'w1', 'DRAIN')],
        fetched({
          web: [
            server('w1', 'DOWN', { admin_state: 'drain', operational_state: 'down', initial_weight: 10 }),
            server('w2', 'MAINT (via web/w1)', {
              admin_state: 'maint',
              maint_source: 'inherited',
              operational_state: 'down',
            }),
          ],
        }),
        all
      );
      expect(
        plan.upsertServers.map((s) => [
          s.name,
          s.status,
          s.adminState,
          s.maintSource,
          s.operationalState,
          s.initialWeight,
        ])
      ).toEqual([
        ['w1', 'DOWN', 'drain', null, 'down', 10],
        ['w2', 'MAINT', 'maint', 'inherited', 'down', null],
      ]);
      // One row per change, each side null when it did not change.
      expect(history(plan)).toEqual([
        ['w1', 'sync', null, null, 'up', 'down'],
        ['w2', 'sync', null, 'maint', null, 'down'],
      ]);
    });

    test('a change of the admin state alone (DOWN before and after) is history too', () => {
      const plan = planSync(
        backends.slice(0, 1),
        [{ ...stored(10, 1, 'w1', 'DOWN'), adminState: 'drain' }],
        fetched({ web: [server('w1', 'DOWN', { admin_state: 'ready', operational_state: 'down' })] }),
        all
      );
      expect(history(plan)).toEqual([['w1', 'sync', 'drain', 'ready', null, null]]);
      expect(plan.history[0]).toMatchObject({ fromStatus: 'DOWN', toStatus: 'DOWN' });
    });

    test('without the fields, DOWN keeps the admin state we knew; after a restart it is unknown', () => {
      const drainedDown = { ...stored(10, 1, 'w1', 'DRAIN') };
      const same = planSync(backends.slice(0, 1), [drainedDown], fetched({ web: [server('w1', 'DOWN')] }), all);
      expect(same.upsertServers[0]).toMatchObject({ status: 'DOWN', adminState: 'drain', operationalState: 'down' });
      const restarted = planSync(backends.slice(0, 1), [drainedDown], fetched({ web: [server('w1', 'DOWN')] }), all, {
        restarted: true,
      });
      expect(restarted.upsertServers[0]).toMatchObject({ status: 'DOWN', adminState: null, operationalState: 'down' });
      expect(history(restarted)).toEqual([['w1', 'reload', 'drain', null, 'up', 'down']]);
    });

    test("changes in a new process's first answer say `reload`; a new server's first state says `sync`", () => {
      const plan = planSync(
        backends.slice(0, 1),
        [stored(10, 1, 'w1', 'DRAIN'), stored(11, 1, 'w2', 'UP')],
        fetched({ web: [server('w1', 'UP'), server('w2', 'UP'), server('w3', 'UP')] }),
        all,
        { restarted: true }
      );
      expect(history(plan)).toEqual([
        ['w1', 'reload', 'drain', 'ready', null, null],
        ['w3', 'sync', null, 'ready', null, 'up'],
      ]);
    });
  });
});
