import type { FagentServer } from '../../src/fagent/schemas';
import { MappingIndex } from '../../src/sync/auto-mapping';
import { answerShapeFingerprint, serversFingerprint, valuesFingerprint } from '../../src/sync/fingerprint';

const server = (over: Partial<FagentServer> = {}): FagentServer => ({
  name: 'web-1',
  address: '10.0.0.1:80',
  status: 'UP',
  weight: 100,
  current_sessions: 3,
  max_sessions: 1000,
  session_limit: 1000,
  max_sessions_observed: 12,
  check_status: 'L4OK',
  last_change_seconds: 60,
  backup: false,
  id: 1,
  admin_state: 'ready',
  maint_source: null,
  operational_state: 'up',
  initial_weight: 100,
  ...over,
});

describe('serversFingerprint', () => {
  const base = serversFingerprint([server(), server({ name: 'web-2', id: 2 })]);

  test('is 16 hex digits and the same for the same values', () => {
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(serversFingerprint([server(), server({ name: 'web-2', id: 2 })])).toBe(base);
  });

  test.each<[string, Partial<FagentServer>]>([
    ['name', { name: 'web-9' }],
    ['address', { address: '10.0.0.2:80' }],
    ['status', { status: 'UP 1/3' }],
    ['weight', { weight: 99 }],
    ['current sessions', { current_sessions: 4 }],
    ['max sessions', { max_sessions: 999 }],
    ['admin state', { admin_state: 'drain' }],
    ['admin state absent', { admin_state: undefined }],
    ['maint source', { maint_source: 'forced' }],
    ['maint source absent', { maint_source: undefined }],
    ['operational state', { operational_state: 'down' }],
    ['initial weight', { initial_weight: 50 }],
    ['initial weight absent', { initial_weight: undefined }],
    ['backup', { backup: true }],
    ['backup absent', { backup: undefined }],
  ])('changes with what the sync stores or decides on: %s', (_field, over) => {
    expect(serversFingerprint([server(over), server({ name: 'web-2', id: 2 })])).not.toBe(base);
  });

  test.each<[string, Partial<FagentServer>]>([
    ['last_change_seconds', { last_change_seconds: 61 }],
    ['check_status', { check_status: 'L4TOUT' }],
    ['max_sessions_observed', { max_sessions_observed: 13 }],
    ['session_limit', { session_limit: null }],
    ['id', { id: 7 }],
  ])('ignores what a real agent moves every second and the sync does not store: %s', (_field, over) => {
    expect(serversFingerprint([server(over), server({ name: 'web-2', id: 2 })])).toBe(base);
  });

  test('order, count and value boundaries count', () => {
    expect(serversFingerprint([server({ name: 'web-2', id: 2 }), server()])).not.toBe(base);
    expect(serversFingerprint([server()])).not.toBe(serversFingerprint([server(), server()]));
    expect(serversFingerprint([])).not.toBe(serversFingerprint([server()]));
    expect(serversFingerprint([server({ name: 'ab', address: 'c' })])).not.toBe(
      serversFingerprint([server({ name: 'a', address: 'bc' })])
    );
    expect(serversFingerprint([server({ maint_source: null })])).not.toBe(
      serversFingerprint([server({ maint_source: undefined })])
    );
  });

  test('no collision among 20,000 near-identical server lists', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      seen.add(serversFingerprint([server({ current_sessions: i % 200, weight: Math.floor(i / 200) })]));
    }
    expect(seen.size).toBe(20_000);
  });
});

describe('answerShapeFingerprint', () => {
  const info = { version: '2.6.12', pid: 42, started_at: '2026-12-01T12:00:00Z', uptime_s: 60 };
  const shape = { backends: ['web', 'api'], scope: null, info, mapping: 'm1' };
  const base = answerShapeFingerprint(shape);

  test.each<[string, Partial<typeof shape>]>([
    ['a backend more', { backends: ['web', 'api', 'db'] }],
    ['the backends reordered', { backends: ['api', 'web'] }],
    ['a scope', { scope: ['web'] as never }],
    ['a new pid (a restart)', { info: { ...info, pid: 43 } }],
    ['a new start time (a restart)', { info: { ...info, started_at: '2026-12-01T12:00:01Z' } }],
    ['a new version', { info: { ...info, version: '2.8.1' } }],
    ['no process info', { info: undefined }],
    ["auto-mapping's inputs", { mapping: 'm2' }],
  ])('changes with %s', (_what, over) => {
    expect(answerShapeFingerprint({ ...shape, ...over })).not.toBe(base);
  });

  test('not with the uptime, which moves every second', () => {
    expect(answerShapeFingerprint({ ...shape, info: { ...info, uptime_s: 61 } })).toBe(base);
  });

  test('an empty scope is not no scope', () => {
    expect(answerShapeFingerprint({ ...shape, scope: [] as never })).not.toBe(base);
  });
});

describe("the mapping index's fingerprint", () => {
  const hosts = [
    { id: 1, name: 'web-host', address: '10.0.0.1' },
    { id: 2, name: 'db-host', address: '10.0.0.2' },
  ];
  const apps = [{ id: 5, name: 'shop', hostId: 1 }];

  test('depends on the hosts and applications, not on the order they were read in', () => {
    const a = new MappingIndex(hosts, apps).fingerprint;
    expect(new MappingIndex([...hosts].reverse(), apps).fingerprint).toBe(a);
    expect(new MappingIndex(hosts, [{ ...apps[0], hostId: 2 }]).fingerprint).not.toBe(a);
    expect(new MappingIndex([hosts[0], { ...hosts[1], address: '10.0.0.3' }], apps).fingerprint).not.toBe(a);
    expect(new MappingIndex(hosts, []).fingerprint).not.toBe(a);
  });

  test('values of different kinds do not run together', () => {
    expect(valuesFingerprint(['a', null])).not.toBe(valuesFingerprint([null, 'a']));
    expect(valuesFingerprint([1, 'x'])).not.toBe(valuesFingerprint(['x', 1]));
  });
});
