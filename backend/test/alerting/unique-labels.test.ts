import type { Client } from 'pg';
import type { TestDatabase } from '../support/db';
import { clearFleet, seedFleet, servers } from './fleet-fixture';
import { grafanaTestDatabase } from './grafana-client';
import { evaluate, loadRuleFile, rule, ruleSql } from './grafana-rules';

/**
 * Grafana refuses a query whose rows carry the same labels twice ("duplicate results"): the whole rule goes to
 * its error state and none of its alerts fires. Names repeat where the schema lets them: the same instance,
 * backend and server names on two hosts, and an application name once per host (and once without one).
 */
let db: TestDatabase;
let grafana: Client;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, grafana, close } = await grafanaTestDatabase());
  await clearFleet(db.ds);
  const host = (name: string) => ({
    name,
    instances: [
      {
        name: 'main',
        consecutiveFailures: 5,
        breaker: 'open' as const,
        backends: [
          {
            name: 'web',
            servers: [
              ...servers('w', 2, 'DOWN', { sinceMin: 30 }),
              { name: 'd1', status: 'UP' as const, drift: { desired: 'drain' as const, sinceMin: 30 } },
            ],
          },
        ],
      },
    ],
  });
  await seedFleet(db.ds, [host('lb1'), host('lb2')]);
  // "shop" without a host (lb1's w2), and "shop" on lb1 and on lb2 (their w1): each with a budget it misses.
  const hosts: Array<{ id: number; name: string }> = await db.ds.query(`SELECT id, name FROM hosts ORDER BY name`);
  for (const hostId of [null, ...hosts.map((h) => h.id)]) {
    const [{ id }] = await db.ds.query(`INSERT INTO applications (name, host_id) VALUES ('shop', $1) RETURNING id`, [
      hostId,
    ]);
    await db.ds.query(
      `UPDATE haproxy_servers s SET application_id = $1, mapping_kind = 'manual'
         FROM haproxy_backends b JOIN haproxy_instances i ON i.id = b.instance_id
        WHERE s.backend_id = b.id AND s.server_name = $3 AND i.host_id = coalesce($2, (SELECT min(id) FROM hosts))`,
      [id, hostId, hostId === null ? 'w2' : 'w1']
    );
    await db.ds.query(
      `INSERT INTO haproxy_budgets (scope, application_id, min_count, set_by) VALUES ('application', $1, 1, 'admin')`,
      [id]
    );
  }
  await db.ds.query(`INSERT INTO haproxy_budgets (scope, min_count, set_by) VALUES ('default', 2, 'admin')`);
});
afterAll(() => close?.());

const rules = loadRuleFile()
  .groups.flatMap((g) => g.rules)
  .map((r) => r.uid);

test.each(rules)('%s: no two alert instances with the same labels', async (uid) => {
  const r = rule(uid);
  const { rows } = await grafana.query(ruleSql(r));
  const labels = evaluate(r, rows).map((i) => JSON.stringify(Object.entries(i.labels).sort()));
  expect(labels.filter((l, k) => labels.indexOf(l) !== k)).toEqual([]);
});

test('three applications named "shop" below their budgets: three alerts, told apart by their ids', async () => {
  const r = rule('haproxy-application-below-budget');
  const { rows } = await grafana.query(ruleSql(r));
  const firing = evaluate(r, rows).filter((i) => i.firing);
  const ids: Array<{ id: number }> = await db.ds.query(`SELECT id FROM applications WHERE name = 'shop' ORDER BY id`);
  expect(firing.map((i) => i.labels).sort((a, b) => Number(a.application_id) - Number(b.application_id))).toEqual(
    ids.map(({ id }) => ({ application: 'shop', application_id: String(id) }))
  );
});
