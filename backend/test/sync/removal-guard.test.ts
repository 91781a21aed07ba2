import type { RemovalHold } from '../../src/domain/held-removal';
import type { StoredBackend, StoredServer } from '../../src/sync/diff';
import { assessRemovals, decideRemovals, removalFingerprint } from '../../src/sync/removal-guard';

/** An instance as stored: backend name -> its number of current servers (ids from 1, per backend 100 apart). */
function instance(shape: Record<string, number>) {
  const backends: StoredBackend[] = [];
  const servers: StoredServer[] = [];
  Object.entries(shape).forEach(([name, n], i) => {
    const id = i + 1;
    backends.push({ id, name, removed: false });
    for (let k = 1; k <= n; k++) {
      servers.push({
        id: id * 100 + k,
        backendId: id,
        name: `${name}-${k}`,
        address: '',
        status: 'UP',
        rawStatus: 'UP',
        tracks: null,
        backup: null,
        weight: 1,
        currentSessions: 0,
        maxSessions: 0,
        adminState: 'ready',
        maintSource: null,
        operationalState: 'up',
        initialWeight: null,
        removed: false,
      });
    }
  });
  return { backends, servers };
}

const all = () => true;

/** Removes whole backends (by name) and `servers` more of each named backend (its first ones). */
function assess(
  shape: Record<string, number>,
  remove: { backends?: string[]; servers?: Record<string, number> },
  maxShare = 0.5,
  inScope = all
) {
  const { backends, servers } = instance(shape);
  const idOf = (name: string) => backends.find((b) => b.name === name)!.id;
  const removeServerIds = Object.entries(remove.servers ?? {}).flatMap(([b, n]) =>
    Array.from({ length: n }, (_, k) => idOf(b) * 100 + k + 1)
  );
  return assessRemovals(
    backends,
    servers,
    { removeBackendIds: (remove.backends ?? []).map(idOf), removeServerIds },
    inScope,
    maxShare
  );
}

const held = (a: ReturnType<typeof assess>) => a.reasons.length > 0;

describe('what is suspicious', () => {
  test.each<[string, boolean, Record<string, number>, Parameters<typeof assess>[1]]>([
    ['nothing removed', false, { web: 3 }, {}],
    ['the only backend of an instance', true, { web: 3 }, { backends: ['web'] }],
    ['every backend of an instance', true, { web: 3, api: 3 }, { backends: ['web', 'api'] }],
    ['the only server of a backend (small fleets too)', true, { web: 1, api: 5, db: 5 }, { servers: { web: 1 } }],
    ['every server of a backend', true, { web: 2, api: 10 }, { servers: { web: 2 } }],
    [
      "exactly half of a backend's servers (the limit is 'more than')",
      false,
      { web: 2, api: 10 },
      { servers: { web: 1 } },
    ],
    ["more than half of a backend's servers", true, { web: 3, api: 10 }, { servers: { web: 2 } }],
    ['half of the backends, holding half of the servers', false, { a: 2, b: 2, c: 2, d: 2 }, { backends: ['a', 'b'] }],
    ['more than half of the backends', true, { a: 1, b: 1, c: 1, d: 5 }, { backends: ['a', 'b', 'c'] }],
    ['one backend of two holding most servers', true, { big: 3, small: 1 }, { backends: ['big'] }],
    ['one backend of three, a third of the servers', false, { a: 2, b: 2, c: 2 }, { backends: ['a'] }],
    ['one server of five', false, { web: 5 }, { servers: { web: 1 } }],
  ])('%s: held %p', (_what, expected, shape, remove) => {
    expect(held(assess(shape, remove))).toBe(expected);
  });

  test('the counts and the largest share compared', () => {
    expect(assess({ web: 3, api: 1 }, { servers: { web: 2 } })).toMatchObject({
      backendsRemoved: 0,
      backendsTotal: 2,
      serversRemoved: 2,
      serversTotal: 4,
      share: 2 / 3,
      reasons: ['more than 50% of the servers of "web (2 of 3)" would be removed'],
    });
    expect(assess({ web: 3, api: 1 }, { backends: ['web', 'api'] })).toMatchObject({
      backendsRemoved: 2,
      serversRemoved: 4,
      share: 1,
      reasons: ['every backend (2) would be removed'],
    });
  });

  test('HAPROXY_REMOVAL_MAX_SHARE 1 holds only "every"; 0 holds any removal', () => {
    expect(held(assess({ web: 10 }, { servers: { web: 9 } }, 1))).toBe(false);
    expect(held(assess({ web: 10, api: 1 }, { servers: { api: 1 } }, 1))).toBe(true);
    expect(held(assess({ web: 100 }, { servers: { web: 1 } }, 0))).toBe(true);
  });

  test('out-of-scope and already removed rows count for nothing', () => {
    const { backends, servers } = instance({ web: 2, stats: 50 });
    servers[0].removed = true; // web-1 left earlier
    const a = assessRemovals(
      backends,
      servers,
      { removeBackendIds: [], removeServerIds: [102] },
      (b) => b !== 'stats',
      0.5
    );
    expect(a).toMatchObject({ backendsTotal: 1, serversTotal: 1, serversRemoved: 1 });
    expect(a.reasons).toEqual(['every server of backend "web" would be removed']);
  });

  test('a message names at most three backends', () => {
    const a = assess({ a: 1, b: 1, c: 1, d: 1, e: 1, f: 9 }, { servers: { a: 1, b: 1, c: 1, d: 1, e: 1 } });
    expect(a.reasons[0]).toBe('every server of backend "a", "b", "c" and 2 more would be removed');
  });
});

describe('holding and confirming', () => {
  const policy = { maxShare: 0.5, confirmSyncs: 3 };
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const wipe = () => assess({ web: 2, api: 2 }, { backends: ['web', 'api'] });
  const other = () => assess({ web: 2, api: 2 }, { servers: { web: 2 } });

  test('the same removal on N syncs in a row is applied at the Nth, held since the first', () => {
    const first = decideRemovals(wipe(), null, policy, t(1));
    expect(first).toMatchObject({ apply: false, hold: { consecutive: 1, required: 3, since: t(1).toISOString() } });
    expect(first.hold!.message).toMatch(
      /every backend \(2\) would be removed: nothing was removed.*3 syncs in a row \(1 so far\)/
    );
    const second = decideRemovals(wipe(), first.hold, policy, t(2));
    expect(second).toMatchObject({ apply: false, hold: { consecutive: 2, since: t(1).toISOString() } });
    expect(decideRemovals(wipe(), second.hold, policy, t(3))).toEqual({
      apply: true,
      hold: null,
      confirmed: { syncs: 3, since: t(1).toISOString() },
    });
  });

  test('another removal starts counting again; an answer without a suspicious removal drops the hold', () => {
    const first = decideRemovals(wipe(), null, policy, t(1));
    const changed = decideRemovals(other(), first.hold, policy, t(2));
    expect(changed).toMatchObject({ apply: false, hold: { consecutive: 1, since: t(2).toISOString() } });
    expect(decideRemovals(assess({ web: 2, api: 2 }, {}), changed.hold, policy, t(3))).toEqual({
      apply: true,
      hold: null,
    });
  });

  test('the held removal keeps counting when the rows its answer added make it a smaller share', () => {
    // web-1 and web-2 renamed: the held answer stored the new names, so the same removal is now half of web.
    const renamed = () => assess({ web: 2 }, { servers: { web: 2 } });
    const smaller = () => assess({ web: 4 }, { servers: { web: 2 } });
    expect(smaller().reasons).toEqual([]);
    const first = decideRemovals(renamed(), null, policy, t(1));
    const second = decideRemovals(smaller(), first.hold, policy, t(2));
    expect(second).toMatchObject({
      apply: false,
      hold: { consecutive: 2, since: t(1).toISOString(), serversTotal: 2, share: 1 },
    });
    expect(second.hold!.message).toMatch(/^every server of backend "web" would be removed: .*\(2 so far\)/);
    expect(decideRemovals(smaller(), second.hold, policy, t(3))).toEqual({
      apply: true,
      hold: null,
      confirmed: { syncs: 3, since: t(1).toISOString() },
    });
    // Without a hold of that removal, the same answer is not suspicious.
    expect(decideRemovals(smaller(), null, policy, t(2))).toEqual({ apply: true, hold: null });
    // A hold stored by an earlier version, without its reason, keeps the one at the head of its message.
    const { reason: _, ...older } = first.hold!;
    expect(decideRemovals(smaller(), older as RemovalHold, policy, t(2)).hold!.message).toMatch(
      /^every server of backend "web" would be removed: nothing was removed\./
    );
  });

  test('HAPROXY_REMOVAL_CONFIRM_SYNCS 1 turns holding off', () => {
    expect(decideRemovals(wipe(), null, { ...policy, confirmSyncs: 1 }, t(1))).toEqual({ apply: true, hold: null });
  });

  test('the fingerprint is the set of removals, whatever their order', () => {
    expect(removalFingerprint({ backendIds: [1, 2], serverIds: [5] })).toBe(
      removalFingerprint(assessRemovals([], [], { removeBackendIds: [2, 1], removeServerIds: [5] }, all, 0.5))
    );
    expect(removalFingerprint({ backendIds: [1], serverIds: [5] })).not.toBe(
      removalFingerprint({ backendIds: [1, 2], serverIds: [5] })
    );
  });

  test('a hold keeps what it would remove, for an admin to confirm exactly that', () => {
    const hold: RemovalHold = decideRemovals(
      assess({ web: 2, api: 4 }, { backends: ['web'], servers: { api: 3 } }),
      null,
      policy,
      t(1)
    ).hold!;
    expect(hold).toMatchObject({ backendIds: [1], serverIds: [201, 202, 203], serversRemoved: 5, serversTotal: 6 });
  });
});
