import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { TestDatabase } from '../support/db';
import { BackendSpec, clearFleet, HostSpec, seedFleet, servers, ServerSpec } from './fleet-fixture';
import { grafanaTestDatabase } from './grafana-client';
import { evaluate, GrafanaRule, Instance, rule, ruleSql, thresholdParam } from './grafana-rules';

/**
 * The SQL of every rule in provisioning/alerting/haproxy-control.yaml, run as Grafana runs it (the
 * read-only role) against fixtures, then through the rule's own reduce/threshold: where it must fire, and
 * where it must not.
 */
let db: TestDatabase;
let grafana: Client;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, grafana, close } = await grafanaTestDatabase());
});
afterAll(() => close?.());
beforeEach(() => clearFleet(db.ds));

async function run(r: GrafanaRule): Promise<Instance[]> {
  const { rows } = await grafana.query(ruleSql(r));
  return evaluate(r, rows);
}

/** One host lb1 with instance main and these backends. */
const seedMain = (backends: BackendSpec[]) =>
  seedFleet(db.ds, [{ name: 'lb1', instances: [{ name: 'main', backends }] }]);

/** One host lb1 with instance main and backend web: what most cases need. */
const seedWeb = (list: ServerSpec[]) => seedMain([{ name: 'web', servers: list }]);

const firing = async (r: GrafanaRule) => (await run(r)).filter((i) => i.firing).map((i) => i.labels);

describe('HAProxy server DOWN', () => {
  const r = rule('haproxy-server-down');

  test('fires once per server DOWN for more than 5 minutes, labelled instance, host, backend, server, application', async () => {
    await seedWeb([
      { name: 'down6', status: 'DOWN', sinceMin: 6, application: 'shop' },
      { name: 'down60', status: 'DOWN', sinceMin: 60 },
      { name: 'down4', status: 'DOWN', sinceMin: 4, application: 'shop' },
      { name: 'up', status: 'UP', sinceMin: 60 },
    ]);
    const all = await run(r);
    expect(all.filter((i) => i.firing).map((i) => i.labels)).toEqual(
      expect.arrayContaining([
        { instance: 'main', host: 'lb1', backend: 'web', server: 'down6', application: 'shop' },
        { instance: 'main', host: 'lb1', backend: 'web', server: 'down60', application: '' },
      ])
    );
    expect(all.filter((i) => i.firing)).toHaveLength(2);
    // DOWN for only 4 minutes: an instance of the rule, not firing yet; B is what the summary shows.
    const down4 = all.find((i) => i.labels.server === 'down4')!;
    expect(down4.firing).toBe(false);
    expect(down4.values.B).toBeGreaterThanOrEqual(240);
    expect(down4.values.B).toBeLessThan(300);
  });

  test('servers put in MAINT or DRAIN on purpose never fire, however long, even when their checks fail', async () => {
    await seedWeb([
      { name: 'maint', status: 'MAINT', sinceMin: 600 },
      { name: 'drain', status: 'DRAIN', sinceMin: 600 },
      { name: 'nolb', status: 'NOLB', sinceMin: 600 },
      { name: 'drained-down', status: 'DOWN', admin: 'drain', operational: 'down', sinceMin: 600 },
      { name: 'maint-down', status: 'MAINT', admin: 'maint', operational: 'down', sinceMin: 600 },
      // At weight 0 HAProxy sends it no traffic: its checks failing take nothing out of service.
      { name: 'weightless-down', status: 'DOWN', admin: 'ready', operational: 'down', sinceMin: 600, weight: 0 },
    ]);
    expect(await run(r)).toEqual([]);
  });

  test('failing is ready (or unknown) and down: the operational state decides where the agent says it', async () => {
    await seedWeb([
      { name: 'ready-down', status: 'DOWN', admin: 'ready', operational: 'down', sinceMin: 10 },
      { name: 'unknown-down', status: 'DOWN', admin: null, operational: 'down', sinceMin: 10 },
      { name: 'status-only', status: 'DOWN', admin: null, operational: null, sinceMin: 10 },
      { name: 'starting', status: 'UP', admin: 'ready', operational: 'starting', sinceMin: 10 },
    ]);
    expect((await firing(r)).map((l) => l.server).sort()).toEqual(['ready-down', 'status-only', 'unknown-down']);
  });

  test('a drained server whose checks fail, readied while still DOWN, fails from its ready, not from when it went down', async () => {
    await seedWeb([
      { name: 'readied2', status: 'DOWN', admin: 'ready', operational: 'down', sinceMin: 60, readiedMin: 2 },
      { name: 'readied6', status: 'DOWN', admin: 'ready', operational: 'down', sinceMin: 60, readiedMin: 6 },
      // Set ready long ago, DOWN since: the status change counts.
      { name: 'down6', status: 'DOWN', admin: 'ready', operational: 'down', sinceMin: 6, readiedMin: 600 },
    ]);
    const all = await run(r);
    expect(
      all
        .filter((i) => i.firing)
        .map((i) => i.labels.server)
        .sort()
    ).toEqual(['down6', 'readied6']);
    const readied2 = all.find((i) => i.labels.server === 'readied2')!;
    expect(readied2.values.B).toBeGreaterThanOrEqual(120);
    expect(readied2.values.B).toBeLessThan(300);
  });

  test('removed servers, removed backends, inactive instances and inactive hosts never fire', async () => {
    const longDown = { status: 'DOWN' as const, sinceMin: 60 };
    await seedFleet(db.ds, [
      {
        name: 'lb1',
        instances: [
          {
            name: 'main',
            backends: [
              { name: 'web', servers: [{ name: 'removed', ...longDown, removed: true }] },
              { name: 'gone', removed: true, servers: [{ name: 's1', ...longDown }] },
            ],
          },
          { name: 'retired', active: false, backends: [{ name: 'web', servers: [{ name: 's1', ...longDown }] }] },
        ],
      },
      {
        name: 'lb-off',
        active: false,
        instances: [{ name: 'main', backends: [{ name: 'web', servers: [{ name: 's1', ...longDown }] }] }],
      },
    ]);
    expect(await run(r)).toEqual([]);
  });
});

describe('HAProxy backend with few servers UP', () => {
  const r = rule('haproxy-backend-few-up');
  const share = thresholdParam(r);
  // 20 servers in service, so the threshold is met exactly by a whole number of them.
  const atThreshold = share * 20;

  test('the threshold is a share that 20 servers can meet exactly', () => {
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(1);
    expect(Number.isInteger(atThreshold)).toBe(true);
  });

  test('fires below the share of in-service servers UP; exactly at it does not', async () => {
    await seedMain([
      {
        name: 'at',
        servers: [...servers('up', atThreshold, 'UP'), ...servers('down', 20 - atThreshold, 'DOWN')],
      },
      {
        name: 'below',
        servers: [...servers('up', atThreshold - 1, 'UP'), ...servers('down', 21 - atThreshold, 'DOWN')],
      },
      {
        name: 'nolb',
        servers: [...servers('up', atThreshold - 1, 'UP'), ...servers('nolb', 21 - atThreshold, 'NOLB')],
      },
      { name: 'healthy', servers: servers('up', 3, 'UP') },
    ]);
    const all = await run(r);
    expect(
      all
        .filter((i) => i.firing)
        .map((i) => i.labels.backend)
        .sort()
    ).toEqual(['below', 'nolb']);
    expect(all.find((i) => i.labels.backend === 'at')).toMatchObject({ values: { B: share }, firing: false });
    expect(all.find((i) => i.labels.backend === 'below')).toMatchObject({
      labels: { instance: 'main', host: 'lb1', backend: 'below' },
      values: { B: (atThreshold - 1) / 20 },
    });
    // A healthy backend is no row at all.
    expect(all.find((i) => i.labels.backend === 'healthy')).toBeUndefined();
  });

  test('a drained server whose checks fail is out on purpose: it leaves the share like DRAIN does', async () => {
    await seedWeb([
      ...servers('up', 1, 'UP'),
      ...servers('drained-down', 3, 'DOWN', { admin: 'drain', operational: 'down' }),
    ]);
    expect(await run(r)).toEqual([]);
  });

  test('servers at weight 0 are out on purpose: up or down, they leave the share', async () => {
    await seedWeb([
      ...servers('up', 1, 'UP'),
      ...servers('idle', 2, 'UP', { weight: 0 }),
      ...servers('idle-down', 2, 'DOWN', { admin: 'ready', operational: 'down', weight: 0 }),
    ]);
    expect(await run(r)).toEqual([]);
  });

  test('MAINT and DRAIN are out on purpose: they leave the share, and a backend all in MAINT does not fire', async () => {
    await seedMain([
      // 1 UP of 1 in service, though 9 of 10 servers are in MAINT/DRAIN for a deploy.
      {
        name: 'deploying',
        servers: [...servers('up', 1, 'UP'), ...servers('maint', 5, 'MAINT'), ...servers('drain', 4, 'DRAIN')],
      },
      { name: 'parked', servers: servers('maint', 4, 'MAINT') },
      // 1 UP of 3 in service: the MAINT ones do not make it look better.
      {
        name: 'failing',
        servers: [...servers('up', 1, 'UP'), ...servers('down', 2, 'DOWN'), ...servers('maint', 5, 'MAINT')],
      },
    ]);
    expect((await firing(r)).map((l) => l.backend)).toEqual(['failing']);
  });

  test('removed servers do not count; removed backends, inactive instances and hosts never fire', async () => {
    const allDown = servers('down', 4, 'DOWN');
    await seedFleet(db.ds, [
      {
        name: 'lb1',
        instances: [
          {
            name: 'main',
            backends: [
              {
                name: 'cleaned',
                servers: [...servers('up', 1, 'UP'), ...servers('down', 3, 'DOWN', { removed: true })],
              },
              { name: 'gone', removed: true, servers: allDown },
            ],
          },
          { name: 'retired', active: false, backends: [{ name: 'web', servers: allDown }] },
        ],
      },
      { name: 'lb-off', active: false, instances: [{ name: 'main', backends: [{ name: 'web', servers: allDown }] }] },
    ]);
    expect(await run(r)).toEqual([]);
  });
});

describe('HAProxy server out of its intended state', () => {
  const r = rule('haproxy-server-drift');
  const minutes = thresholdParam(r) / 60;

  test('fires per server drifting longer than the threshold, labelled with what was asked and why', async () => {
    await seedWeb([
      { name: 'long', status: 'UP', application: 'shop', drift: { desired: 'drain', sinceMin: minutes + 1 } },
      { name: 'recent', status: 'UP', drift: { desired: 'maint', sinceMin: minutes - 1, cause: 'unknown' } },
      { name: 'fine', status: 'DRAIN' },
    ]);
    const all = await run(r);
    expect(all.filter((i) => i.firing).map((i) => i.labels)).toEqual([
      {
        instance: 'main',
        host: 'lb1',
        backend: 'web',
        server: 'long',
        application: 'shop',
        desired: 'drain',
        cause: 'reload',
      },
    ]);
    const recent = all.find((i) => i.labels.server === 'recent')!;
    expect(recent).toMatchObject({ firing: false, labels: { desired: 'maint', cause: 'unknown' } });
    expect(recent.values.B).toBeLessThan(thresholdParam(r));
    expect(all).toHaveLength(2);
  });

  test('removed servers and backends, inactive instances and hosts never fire', async () => {
    const drifting = { status: 'UP' as const, drift: { desired: 'drain' as const, sinceMin: 600 } };
    await seedFleet(db.ds, [
      {
        name: 'lb1',
        instances: [
          {
            name: 'main',
            backends: [
              { name: 'web', servers: [{ name: 'removed', ...drifting, removed: true }] },
              { name: 'gone', removed: true, servers: [{ name: 's1', ...drifting }] },
            ],
          },
          { name: 'retired', active: false, backends: [{ name: 'web', servers: [{ name: 's1', ...drifting }] }] },
        ],
      },
      {
        name: 'lb-off',
        active: false,
        instances: [{ name: 'main', backends: [{ name: 'web', servers: [{ name: 's1', ...drifting }] }] }],
      },
    ]);
    expect(await run(r)).toEqual([]);
  });
});

describe('HAProxy backend running on backup servers', () => {
  const r = rule('haproxy-backend-on-backup');

  test('fires when no active server is available and a backup one is; B is how many backups are available', async () => {
    await seedMain([
      {
        name: 'on-backup',
        servers: [
          ...servers('down', 2, 'DOWN', { admin: 'ready', operational: 'down', backup: false }),
          ...servers('spare', 2, 'UP', { backup: true }),
        ],
      },
      {
        // Actives out on purpose: the backups take the traffic all the same.
        name: 'drained',
        servers: [...servers('out', 1, 'MAINT', { backup: false }), ...servers('spare', 1, 'UP', { backup: true })],
      },
      {
        // One active left: the backups wait.
        name: 'one-active',
        servers: [
          ...servers('up', 1, 'UP', { backup: false }),
          ...servers('down', 1, 'DOWN', { admin: 'ready', operational: 'down', backup: false }),
          ...servers('spare', 1, 'UP', { backup: true }),
        ],
      },
      {
        // An agent that does not say: its servers count as active.
        name: 'unsaid',
        servers: [...servers('up', 1, 'UP'), ...servers('spare', 1, 'UP', { backup: true })],
      },
    ]);
    const all = await run(r);
    expect(all.filter((i) => i.firing).map((i) => [i.labels.backend, i.values.B])).toEqual(
      expect.arrayContaining([
        ['on-backup', 2],
        ['drained', 1],
      ])
    );
    expect(all.filter((i) => i.firing)).toHaveLength(2);
    expect(all.find((i) => i.labels.backend === 'on-backup')?.labels).toEqual({
      instance: 'main',
      host: 'lb1',
      backend: 'on-backup',
    });
  });

  test('backups down too, or a backend of backups only, do not fire (the other alerts speak for them)', async () => {
    await seedMain([
      {
        name: 'all-down',
        servers: [
          ...servers('down', 1, 'DOWN', { admin: 'ready', operational: 'down', backup: false }),
          ...servers('spare', 1, 'DOWN', { admin: 'ready', operational: 'down', backup: true }),
        ],
      },
      { name: 'backups-only', servers: servers('spare', 2, 'UP', { backup: true }) },
    ]);
    expect(await firing(r)).toEqual([]);
  });

  test('removed servers and backends, inactive instances and hosts never fire', async () => {
    const onBackup = (name: string, removed = false) => ({
      name,
      removed,
      servers: [
        ...servers('down', 1, 'DOWN', { admin: 'ready' as const, operational: 'down' as const, backup: false }),
        ...servers('spare', 1, 'UP', { backup: true }),
      ],
    });
    await seedFleet(db.ds, [
      {
        name: 'lb1',
        instances: [
          {
            name: 'main',
            backends: [
              onBackup('gone', true),
              {
                // Its only active server was removed: a backend of backups only now.
                name: 'active-removed',
                servers: [
                  ...servers('old', 1, 'DOWN', { removed: true, backup: false }),
                  ...servers('spare', 1, 'UP', { backup: true }),
                ],
              },
            ],
          },
          { name: 'off', active: false, backends: [onBackup('web')] },
        ],
      },
      { name: 'lb2', active: false, instances: [{ name: 'main', backends: [onBackup('web')] }] },
    ]);
    expect(await firing(r)).toEqual([]);
  });
});

describe('HAProxy instance sync failing', () => {
  const r = rule('haproxy-instance-sync-failing');

  test('3 failed syncs in a row fire, 2 do not; inactive instances and hosts never', async () => {
    const fleet: HostSpec[] = [
      {
        name: 'lb1',
        instances: [
          { name: 'two', consecutiveFailures: 2 },
          { name: 'three', consecutiveFailures: 3 },
          { name: 'many', consecutiveFailures: 40 },
          { name: 'fine', consecutiveFailures: 0 },
          { name: 'retired', active: false, consecutiveFailures: 9 },
        ],
      },
      { name: 'lb-off', active: false, instances: [{ name: 'main', consecutiveFailures: 9 }] },
    ];
    await seedFleet(db.ds, fleet);
    const all = await run(r);
    expect(all.filter((i) => i.firing).map((i) => i.labels)).toEqual(
      expect.arrayContaining([
        { instance: 'three', host: 'lb1' },
        { instance: 'many', host: 'lb1' },
      ])
    );
    expect(all.filter((i) => i.firing)).toHaveLength(2);
    expect(all.find((i) => i.labels.instance === 'two')).toMatchObject({ firing: false, values: { B: 2 } });
    expect(all.map((i) => i.labels.instance).sort()).toEqual(['many', 'three', 'two']);
  });
});

describe('HAProxy instance circuit breaker open', () => {
  const r = rule('haproxy-instance-breaker-open');

  test('open and half-open fire, closed does not; inactive instances and hosts never', async () => {
    await seedFleet(db.ds, [
      {
        name: 'lb1',
        instances: [
          { name: 'closed', breaker: 'closed' },
          { name: 'open', breaker: 'open' },
          { name: 'probing', breaker: 'half_open' },
          { name: 'retired', active: false, breaker: 'open' },
        ],
      },
      { name: 'lb-off', active: false, instances: [{ name: 'main', breaker: 'open' }] },
    ]);
    expect(await firing(r)).toEqual(
      expect.arrayContaining([
        { instance: 'open', host: 'lb1' },
        { instance: 'probing', host: 'lb1' },
      ])
    );
    expect(await run(r)).toHaveLength(2);
  });
});

describe('HAProxy backend below its disruption budget', () => {
  const r = rule('haproxy-backend-below-budget');
  const backendId = async (name: string) =>
    (await db.ds.query(`SELECT id FROM haproxy_backends WHERE backend_name = $1`, [name]))[0].id as number;
  const setDefault = (count: number) =>
    db.ds.query(`INSERT INTO haproxy_budgets (scope, min_count, set_by) VALUES ('default', $1, 'env')`, [count]);

  test("fires per backend with fewer available than its own minimum, else the default's; B is how many are missing", async () => {
    await seedMain([
      // 2 available of 4, minimum 50% = 2: holds.
      { name: 'half', servers: [...servers('h', 2, 'UP'), ...servers('d', 2, 'DRAIN')] },
      // 1 available (s2 and w0 at weight 0 do not count), minimum 3: 2 missing.
      { name: 'short', servers: [...servers('s', 2, 'UP'), { name: 'w0', status: 'UP', weight: 0 }] },
      // No budget of its own: the default 1, and none available (DOWN).
      { name: 'down', servers: servers('x', 2, 'DOWN') },
      // The default asks at most for every server: an empty backend misses nothing.
      { name: 'empty', servers: [] },
    ]);
    await setDefault(1);
    await db.ds.query(
      `INSERT INTO haproxy_budgets (scope, backend_id, min_percent, set_by) VALUES ('backend', $1, 50, 'admin')`,
      [await backendId('half')]
    );
    await db.ds.query(
      `INSERT INTO haproxy_budgets (scope, backend_id, min_count, set_by) VALUES ('backend', $1, 3, 'admin')`,
      [await backendId('short')]
    );
    await db.ds.query(`UPDATE haproxy_servers SET weight = 0 WHERE server_name = 's2'`);
    const all = await run(r);
    const firing = all.filter((i) => i.firing);
    expect(firing.map((i) => [i.labels.backend, i.values.B]).sort()).toEqual([
      ['down', 1],
      ['short', 2],
    ]);
    expect(firing[0].labels).toEqual({ instance: 'main', host: 'lb1', backend: expect.any(String) });
    expect(all.find((i) => i.labels.backend === 'half')!.firing).toBe(false);
    expect(all.find((i) => i.labels.backend === 'empty')!.firing).toBe(false);
  });

  test('counts what can serve at once: the active servers; with none available, one backup server', async () => {
    const up = { backup: true };
    await seedMain([
      // 1 active available; the backup waits, so it does not count: 1 of minimum 2.
      {
        name: 'waits',
        servers: [...servers('w', 1, 'UP'), ...servers('wd', 1, 'DOWN'), ...servers('wb', 1, 'UP', up)],
      },
      // The actives down: one of the two backups takes the traffic: 1 of minimum 2.
      { name: 'on-spare', servers: [...servers('o', 2, 'DOWN'), ...servers('ob', 2, 'UP', up)] },
      // The actives out on purpose, a backup serving: the default 1 holds.
      { name: 'spare-holds', servers: [...servers('m', 2, 'MAINT'), ...servers('mb', 1, 'UP', up)] },
      // Backups only: one serves at a time, and the default asks for at most that one.
      { name: 'backups-only', servers: servers('k', 3, 'UP', up) },
    ]);
    await setDefault(1);
    for (const name of ['waits', 'on-spare']) {
      await db.ds.query(
        `INSERT INTO haproxy_budgets (scope, backend_id, min_count, set_by) VALUES ('backend', $1, 2, 'admin')`,
        [await backendId(name)]
      );
    }
    const all = await run(r);
    expect(all.map((i) => [i.labels.backend, i.values.B, i.firing]).sort()).toEqual([
      ['backups-only', 0, false],
      ['on-spare', 1, true],
      ['spare-holds', 0, false],
      ['waits', 1, true],
    ]);
  });

  test('removed backends, inactive instances and hosts never fire', async () => {
    await seedFleet(db.ds, [
      {
        name: 'lb1',
        instances: [
          { name: 'main', backends: [{ name: 'gone', removed: true, servers: servers('g', 1, 'DOWN') }] },
          { name: 'retired', active: false, backends: [{ name: 'web', servers: servers('r', 1, 'DOWN') }] },
        ],
      },
      {
        name: 'lb-off',
        active: false,
        instances: [{ name: 'm', backends: [{ name: 'web', servers: servers('o', 1, 'DOWN') }] }],
      },
    ]);
    await setDefault(1);
    expect(await run(r)).toEqual([]);
  });
});

describe('HAProxy application below its disruption budget', () => {
  const r = rule('haproxy-application-below-budget');
  const application = async (name: string, serverNames: string[], budget: string) => {
    const [{ id }] = await db.ds.query(`INSERT INTO applications (name) VALUES ($1) RETURNING id`, [name]);
    await db.ds.query(
      `UPDATE haproxy_servers SET application_id = $1, mapping_kind = 'manual' WHERE server_name = ANY($2)`,
      [id, serverNames]
    );
    if (budget) {
      const [column, value] = budget.endsWith('%')
        ? ['min_percent', parseInt(budget, 10)]
        : ['min_count', Number(budget)];
      await db.ds.query(
        `INSERT INTO haproxy_budgets (scope, application_id, ${column}, set_by) VALUES ('application', $1, $2, 'admin')`,
        [id, value]
      );
    }
  };

  test('fires per application with a budget and fewer available on all its backends; B is how many are missing', async () => {
    await seedMain([
      {
        name: 'web',
        servers: [...servers('a', 2, 'UP'), ...servers('b', 2, 'DOWN'), ...servers('c', 2, 'UP')],
      },
      { name: 'api', servers: [...servers('p', 1, 'UP'), ...servers('q', 2, 'DRAIN')] },
      { name: 'old', removed: true, servers: servers('o', 2, 'UP') },
    ]);
    await db.ds.query(`UPDATE haproxy_servers SET weight = 0 WHERE server_name = 'c2'`);
    // shop: a1 a2 p1 available, b1 b2 down, q1 drained (o1 o2 on a removed backend do not count): 3 of 6 for 5.
    await application('shop', ['a1', 'a2', 'b1', 'b2', 'p1', 'q1', 'o1', 'o2'], '5');
    // blog: c1 available, c2 at weight 0: 1 of 2 for 50% = 1, held.
    await application('blog', ['c1', 'c2'], '50%');
    // wiki: nothing available, but no budget.
    await application('wiki', ['q2'], '');
    const all = await run(r);
    expect(all.map((i) => [i.labels, i.values.B, i.firing])).toEqual(
      expect.arrayContaining([
        [{ application: 'shop', application_id: expect.any(String) }, 2, true],
        [{ application: 'blog', application_id: expect.any(String) }, 0, false],
      ])
    );
    expect(all).toHaveLength(2);
  });

  test("its backup servers count, one per backend, only while none of the backend's active servers, of any application, is", async () => {
    await seedMain([
      // `other` (of no application) still serves: shop's backup waits.
      {
        name: 'web',
        servers: [
          ...servers('mine', 1, 'MAINT'),
          ...servers('other', 1, 'UP'),
          ...servers('wb', 2, 'UP', { backup: true }),
        ],
      },
      // No active server left: one of shop's backups takes the traffic.
      { name: 'api', servers: [...servers('gone', 1, 'DOWN'), ...servers('ab', 2, 'UP', { backup: true })] },
    ]);
    // shop: web has mine (out) and 2 waiting backups: 0; api has gone (down) and 2 backups, one serving: 1.
    // Counted: mine and gone. Minimum 2: 1 missing.
    await application('shop', ['mine', 'wb1', 'wb2', 'gone', 'ab1', 'ab2'], '2');
    const all = await run(r);
    expect(all.map((i) => [i.labels.application, i.values.B, i.firing])).toEqual([['shop', 1, true]]);
  });
});

describe('HAProxy operations', () => {
  const job = async (state: string, finishedMinAgo: number | null, extra: Record<string, unknown> = {}) => {
    const id = randomUUID();
    await db.ds.query(
      `INSERT INTO haproxy_operations (id, action, state, actor, source, reason, selection, max_parallel, on_deadline,
                                       request_hash, error, finished_at)
       VALUES ($1, 'drain', $2, 'token:deploy', 'orchestrator', $3, '{}', 1, 'fail', 'h', $4,
               CASE WHEN $5::int IS NULL THEN NULL ELSE now() - make_interval(mins => $5::int) END)`,
      [id, state, extra.reason ?? 'deploy 7', extra.error ?? null, finishedMinAgo]
    );
    return id;
  };

  test('a job that failed within the hour fires, labelled with who and why; older failures and other states do not', async () => {
    const failed = await job('failed', 5, { error: '1 failed of 3 servers' });
    await job('failed', 61);
    await job('succeeded', 5);
    await job('running', null);
    const r = rule('haproxy-operation-failed');
    expect(await firing(r)).toEqual([
      { operation: failed, action: 'drain', actor: 'token:deploy', reason: 'deploy 7', error: '1 failed of 3 servers' },
    ]);
  });

  test('a drain past its deadline by more than 5 minutes fires per server: still draining, or left drained by fail', async () => {
    await seedWeb([...servers('web', 4, 'DRAIN'), { name: 'ready', status: 'UP' }]);
    const ids: Record<string, number> = Object.fromEntries(
      (await db.ds.query(`SELECT id, server_name FROM haproxy_servers`)).map(
        (s: { id: number; server_name: string }) => [s.server_name, s.id]
      )
    );
    const running = await job('running', null);
    const failedJob = await job('failed', 10);
    const add = (op: string, pos: number, server: string, state: string, deadlineMinAgo: number, sessions = 3) =>
      db.ds.query(
        `INSERT INTO haproxy_operation_servers (operation_id, position, server_id, server_name, backend_name, instance_name,
                                               state, sessions, since, deadline_at)
         VALUES ($1, $2, $3, $4, 'web', 'main', $5, $6, now(), now() - make_interval(mins => $7))`,
        [op, pos, ids[server], server, state, sessions, deadlineMinAgo]
      );
    await add(running, 1, 'web1', 'draining', 6); // past by 6 min: fires
    await add(running, 2, 'web2', 'draining', 2); // past by 2 min: not yet
    await add(failedJob, 1, 'web3', 'failed', 20); // left drained by fail, sessions left: fires
    await add(failedJob, 2, 'web4', 'failed', 20, 0); // no sessions left: nothing to decide
    await add(failedJob, 3, 'ready', 'failed', 20); // returned to ready since: not drained any more
    const r = rule('haproxy-drain-past-deadline');
    expect((await firing(r)).map((l) => l.server).sort()).toEqual(['web1', 'web3']);
    expect((await run(r)).map((i) => i.labels.server).sort()).toEqual(['web1', 'web2', 'web3']);
  });
});

test('an empty fleet gives no rows for any rule (noDataState OK)', async () => {
  for (const uid of [
    'haproxy-server-down',
    'haproxy-backend-few-up',
    'haproxy-instance-sync-failing',
    'haproxy-instance-breaker-open',
    'haproxy-server-drift',
    'haproxy-backend-below-budget',
    'haproxy-application-below-budget',
    'haproxy-operation-failed',
    'haproxy-drain-past-deadline',
  ]) {
    const r = rule(uid);
    expect({ uid, rows: await run(r), noData: r.noDataState }).toEqual({ uid, rows: [], noData: 'OK' });
  }
});
