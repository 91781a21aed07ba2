import { serverTimeline } from '../../src/history/timeline';
import type { StateChangeRow } from '../../src/store/server-state';
import { extendedServer } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const change = (min: number, over: Partial<StateChangeRow>): StateChangeRow => ({
  changed_at: at(min),
  cause: 'sync',
  admin_to: null,
  operational_to: null,
  actor: null,
  ...over,
});

describe('a server timeline (pure)', () => {
  test('admin and operational spans apart, each from its change, the state before `since` starting at `since`', () => {
    const changes = [
      change(-60, { admin_to: 'ready', operational_to: 'up' }),
      change(10, { admin_to: 'drain', cause: 'command', actor: 'grafana:alice' }),
      change(15, { operational_to: 'down' }),
      change(30, { admin_to: 'ready', cause: 'schedule', actor: 'system:schedule' }),
    ];
    expect(serverTimeline(changes, at(0), at(60), at(60))).toEqual({
      admin: [
        { from: at(0), to: at(10), state: 'ready', cause: 'sync', actor: null },
        { from: at(10), to: at(30), state: 'drain', cause: 'command', actor: 'grafana:alice' },
        { from: at(30), to: null, state: 'ready', cause: 'schedule', actor: 'system:schedule' },
      ],
      operational: [
        { from: at(0), to: at(15), state: 'up' },
        { from: at(15), to: null, state: 'down' },
      ],
    });
  });

  test('a window in the past closes its last spans at `until`; changes superseded before `since` are not shown', () => {
    const changes = [
      change(-60, { admin_to: 'maint' }),
      change(-30, { admin_to: 'ready' }),
      change(20, { admin_to: 'drain', cause: 'command', actor: 'token:deploy' }),
    ];
    expect(serverTimeline(changes, at(0), at(40), at(90)).admin).toEqual([
      { from: at(0), to: at(20), state: 'ready', cause: 'sync', actor: null },
      { from: at(20), to: at(40), state: 'drain', cause: 'command', actor: 'token:deploy' },
    ]);
  });
});

describe('GET /api/haproxy/servers/{id}/timeline', () => {
  const h = useHarness({}, { protocol: 'extended' });

  test("a command's span names its actor; bad ranges are 400; an unknown server 404", async () => {
    const f = await fleet(h, 'timeline', { web: [extendedServer('t1')] });
    const id = f.servers['web/t1'].id;
    await h.t.call('POST', `/api/haproxy/servers/${id}/command`, {
      token: h.t.tokens.operator,
      body: { command: 'drain', reason: 'CHG-5' },
    });
    const res = await h.t.call('GET', `/api/haproxy/servers/${id}/timeline`, { token: h.t.tokens.viewer });
    expect(res.status).toBe(200);
    expect(res.body.admin.map((s: { state: string }) => s.state)).toEqual(['ready', 'drain']);
    expect(res.body.admin[1]).toMatchObject({ cause: 'command', actor: 'token:test-operator', to: null });
    expect(res.body.operational).toEqual([expect.objectContaining({ state: 'up', to: null })]);
    const until = new Date().toISOString();
    const bad = await h.t.call('GET', `/api/haproxy/servers/${id}/timeline?since=${until}&until=${until}`);
    expect(bad.status).toBe(400);
    expect((await h.t.call('GET', '/api/haproxy/servers/2147483647/timeline')).status).toBe(404);
  });
});
