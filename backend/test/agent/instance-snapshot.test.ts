import { toFAgentServer, toFAgentState } from '../../src/agent/fagent-answer';
import { joinSnapshot, SnapshotJoinError } from '../../src/agent/instance-snapshot';
import { parseServersState, ServerStateRow } from '../../src/agent/servers-state';
import { parseShowInfo, toProcessInfo } from '../../src/agent/show-info';
import { parseShowStatTable } from '../../src/agent/show-stat';
import { capturedSnapshot, WEB } from './captured';

const lb = capturedSnapshot('lb');
const table = parseShowStatTable(lb.stat);
const states = parseServersState(lb.state);
const info = toProcessInfo(parseShowInfo(lb.info), 1_796_132_400_000);

describe('joinSnapshot on real HAProxy 2.6 output', () => {
  it('lists every backend, one without servers too, and no frontend', () => {
    const snapshot = joinSnapshot(table, states, info);
    expect(snapshot.backends.map((b) => [b.name, b.servers.length])).toEqual([
      [WEB, 12],
      ['api', 2],
      ['empty', 0],
    ]);
    expect(joinSnapshot(parseShowStatTable(capturedSnapshot('empty-instance').stat), [], info).backends).toEqual([
      { name: 'empty', servers: [] },
    ]);
  });

  it('answers the seed fields beside the state fields, HAProxy status kept raw', () => {
    const servers = Object.fromEntries(
      joinSnapshot(table, states, info).backends.flatMap((b) => b.servers.map((s) => [s.stat.name, toFAgentServer(s)]))
    );
    expect(servers['drained-down']).toEqual({
      name: 'drained-down',
      address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      status: 'DOWN',
      weight: 1,
      current_sessions: 0,
      max_sessions: 0,
      session_limit: null,
      max_sessions_observed: 0,
      check_status: 'L4CON',
      last_change_seconds: expect.any(Number),
      backup: false,
      tracks: null,
      id: 7,
      admin_state: 'drain',
      maint_source: null,
      operational_state: 'down',
      initial_weight: 1,
    });
    expect(servers['srv-1.a_b:c']).toMatchObject({ max_sessions: 100, session_limit: 100, id: 1 });
    expect(servers.tracker).toMatchObject({
      status: `MAINT (via ${WEB}/off)`,
      tracks: `${WEB}/off`,
      admin_state: 'maint',
      maint_source: 'inherited',
    });
    expect(servers.half).toMatchObject({ weight: 5, initial_weight: 10 });
    expect(servers.zero).toMatchObject({ status: 'UP', weight: 0, admin_state: 'ready', operational_state: 'up' });
    expect(servers.spare).toMatchObject({ backup: true, weight: 7 });
  });

  it('joins by backend and server id, not by position', () => {
    const shuffled = [...states].reverse();
    expect(joinSnapshot(table, shuffled, info)).toEqual(joinSnapshot(table, states, info));
  });

  it('refuses dumps that disagree instead of guessing', () => {
    const renamed = states.map((s): ServerStateRow => (s.server === 'down' ? { ...s, server: 'other' } : s));
    expect(() => joinSnapshot(table, renamed, info)).toThrow(SnapshotJoinError);
    expect(() => joinSnapshot(table, renamed, info)).toThrow(/is .*\/down in show stat but .*\/other/);
    // Two servers whose ids were swapped (another configuration): same names, different ids.
    const swapped = states.map((s): ServerStateRow =>
      s.server === 'down' ? { ...s, serverId: 3 } : s.server === 'off' ? { ...s, serverId: 2 } : s
    );
    expect(() => joinSnapshot(table, swapped, info)).toThrow(SnapshotJoinError);
    expect(() => joinSnapshot(table, states.slice(1), info)).toThrow(/has no server 3\/1/);
    const noIds = { ...table, servers: table.servers.map((s) => ({ ...s, serverId: null })) };
    expect(() => joinSnapshot(noIds, states, info)).toThrow(/no iid\/sid/);
  });

  it('builds the /state body', () => {
    const body = toFAgentState(joinSnapshot(table, states, info));
    expect(body.info).toEqual({
      version: '2.6.12-1+deb12u4',
      pid: 13756,
      started_at: '2026-12-01T13:39:22.000Z',
      uptime_s: 0,
    });
    expect(body.backends.map((b) => b.name)).toEqual([WEB, 'api', 'empty']);
    expect(body.backends[2].servers).toEqual([]);
  });
});
