import type { CheckedService } from '../support/openapi';
import { Fleet, fleetService } from './fixtures';

/**
 * A flapping server has more changes in a window than one timeline answer holds (10,000): the answer must not
 * present the window as complete, with the last span it read running on to `until` over changes it never saw.
 */
let t: CheckedService;
let fleet: Fleet;
const T0 = Date.UTC(2026, 2, 1, 0, 0);
const minute = (m: number) => new Date(T0 + m * 60_000).toISOString();
const CHANGES = 10_005;

beforeAll(async () => {
  ({ t, fleet } = await fleetService());
  // Change m (0-based) at T0 + m minutes: down at even m, up at odd m.
  await t.service.ds.query(
    `INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at,
                                                operational_from, operational_to)
     SELECT $1, CASE WHEN m % 2 = 0 THEN 'UP' ELSE 'DOWN' END, CASE WHEN m % 2 = 0 THEN 'DOWN' ELSE 'UP' END,
            'x', 'sync', $2::timestamptz + m * interval '1 minute',
            CASE WHEN m % 2 = 0 THEN 'up' ELSE 'down' END, CASE WHEN m % 2 = 0 THEN 'down' ELSE 'up' END
       FROM generate_series(0, $3 - 1) m`,
    [fleet.servers.s1, new Date(T0), CHANGES]
  );
}, 120_000);

afterAll(() => t?.stop());

test('past 10,000 changes the answer ends at the first change left out, and says so in `until`', async () => {
  const since = minute(-1);
  const until = minute(CHANGES + 60);
  const res = await t.call('GET', `/api/haproxy/servers/${fleet.servers.s1}/timeline?since=${since}&until=${until}`, {
    token: t.tokens.viewer,
  });
  expect(res.status).toBe(200);
  expect(res.body.since).toBe(since);
  // Changes 0..9999 are in the answer; change 10,000 is the first left out.
  expect(res.body.until).toBe(minute(10_000));
  const spans = res.body.operational as Array<{ from: string; to: string | null; state: string }>;
  expect(spans).toHaveLength(10_000);
  expect(spans[0]).toEqual({ from: minute(0), to: minute(1), state: 'down' });
  expect(spans[9_999]).toEqual({ from: minute(9_999), to: minute(10_000), state: 'up' });
});

test('a window within the limit is answered whole', async () => {
  const since = minute(CHANGES - 10.5);
  const until = minute(CHANGES + 60);
  const res = await t.call('GET', `/api/haproxy/servers/${fleet.servers.s1}/timeline?since=${since}&until=${until}`, {
    token: t.tokens.viewer,
  });
  expect(res.status).toBe(200);
  expect(res.body.until).toBe(until);
  const spans = res.body.operational as Array<{ from: string; to: string | null; state: string }>;
  // The state at `since` (change CHANGES - 11, from `since` on) and the ten changes after it.
  expect(spans).toHaveLength(11);
  expect(spans[0]).toEqual({ from: since, to: minute(CHANGES - 10), state: 'down' });
  expect(spans[10]).toEqual({ from: minute(CHANGES - 1), to: until, state: 'down' });
});
