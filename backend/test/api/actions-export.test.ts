import { splitCsvLine } from '../../src/agent/show-stat';
import { actions, command, fleet, useHarness } from './helpers';

/**
 * The audit log as CSV (GET /api/haproxy/actions.csv): every matching action, in the order recorded, read back
 * field for field; names and reasons that would be formulas in a spreadsheet stay text.
 */
const h = useHarness();

/** RFC 4180 records, read by the agent's own CSV splitter: a record ends at a CRLF outside quotes. */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true); // the file ends with a whole record
  const records: string[][] = [];
  let pending: string | undefined;
  for (const line of text.slice(0, -2).split('\r\n')) {
    pending = pending === undefined ? line : `${pending}\r\n${line}`;
    if ((pending.match(/"/g)?.length ?? 0) % 2 === 0) {
      records.push(splitCsvLine(pending));
      pending = undefined;
    }
  }
  expect(pending).toBeUndefined();
  return records;
}

async function exported(query = '', token?: string) {
  const res = await fetch(`${h.t.url}/api/haproxy/actions.csv${query}`, {
    headers: { authorization: `Bearer ${token ?? h.t.tokens.viewer}` },
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { res, bytes, records: res.status === 200 ? parseCsv(bytes.toString('utf8').replace(/^\uFEFF/, '')) : [] };
}

const byHeader = (records: string[][]) =>
  records.slice(1).map((r) => Object.fromEntries(records[0].map((k, i) => [k, r[i]])));

test('every field of every matching action, in the order recorded; formulas stay text, quoting survives', async () => {
  const f = await fleet(h, 'csv', {
    web: [
      { name: '=HYPERLINK("http://x")', status: 'UP' },
      { name: 'a,b "quoted"', status: 'UP' },
      { name: 'сервер-1', status: 'UP' },
    ],
  });
  const reasons = ['deploy, step 1\nticket "OPS-7"', '@SUM(1)', '-2+3'];
  const names = Object.keys(f.servers);
  for (const [i, key] of names.entries()) {
    const drained = await h.t.call('POST', `/api/haproxy/servers/${f.servers[key].id}/command`, {
      token: h.t.tokens.operator,
      body: { command: 'drain', reason: reasons[i] },
    });
    expect(drained.status).toBe(200);
  }
  await command(h, f.servers[names[0]].id, 'ready');

  const { res, bytes, records } = await exported(`?instance_id=${f.instanceId}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(res.headers.get('content-disposition')).toMatch(
    /^attachment; filename="haproxy-actions-\d{4}-\d{2}-\d{2}\.csv"$/
  );
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

  const rows = byHeader(records);
  const api = (await actions(h, `instance_id=${f.instanceId}`)).actions.reverse(); // newest first there
  expect(rows.map((r) => Number(r.id))).toEqual(api.map((a) => a.id));
  const text = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
  expect(rows).toEqual(
    api.map((a) =>
      Object.fromEntries(
        records[0].map((k) => {
          const v = (a as unknown as Record<string, unknown>)[k];
          return [k, typeof v === 'string' ? text(v) : v === null ? '' : String(v)];
        })
      )
    )
  );
  expect(rows.map((r) => [r.server_name, r.reason])).toEqual([
    [`'=HYPERLINK("http://x")`, reasons[0]],
    ['a,b "quoted"', "'@SUM(1)"],
    ['сервер-1', "'-2+3"],
    [`'=HYPERLINK("http://x")`, ''],
  ]);
});

test('filters apply; no paging: an export longer than a read batch comes whole, each action once', async () => {
  const { records: drains } = await exported('?command=drain&source=api');
  expect(byHeader(drains).every((r) => r.command === 'drain' && r.source === 'api')).toBe(true);
  const [{ id }] = await h.t.db.pool.query<{ id: number }>(`SELECT min(id) AS id FROM haproxy_actions`);
  // 2,500 copies of one action: three reads of 1,000.
  await h.t.db.pool.query(
    `INSERT INTO haproxy_actions (server_id, instance_id, instance_name, backend_name, server_name, command, actor,
       source, operation_id, success, result, error, note, status_before, status_after, reason, until, started_at,
       completed_at, duration_ms, forced)
     SELECT server_id, instance_id, instance_name, backend_name, 'copy', command, 'bulk-copy', source, operation_id,
            success, result, error, note, status_before, status_after, reason, until, started_at, completed_at,
            duration_ms, forced
       FROM haproxy_actions, generate_series(1, 2500) WHERE id = $1`,
    [id]
  );
  const ids = byHeader((await exported('?actor=bulk-copy')).records).map((r) => Number(r.id));
  expect(ids.length).toBe(2500);
  expect(new Set(ids).size).toBe(2500);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  const none = await exported('?actor=nobody-at-all');
  expect(none.records.length).toBe(1); // the header alone
});

test('a reader may export; no token is 401, a bad filter 400 with a message', async () => {
  expect((await exported('', h.t.tokens.viewer)).res.status).toBe(200);
  const noToken = await fetch(`${h.t.url}/api/haproxy/actions.csv`);
  expect(noToken.status).toBe(401);
  const bad = await h.t.call('GET', '/api/haproxy/actions.csv?command=reboot');
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/command/);
});

test('a time range whose since is after its until is a 400 naming it, for a page and for the export', async () => {
  const range = 'since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z';
  for (const path of [`/api/haproxy/actions?${range}`, `/api/haproxy/actions.csv?${range}`]) {
    const res = await h.t.call('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('since: must not be after until');
  }
  // Bounds compare as instants: 02:00+02:00 is midnight UTC, before 01:00Z.
  const offsets = await h.t.call(
    'GET',
    '/api/haproxy/actions?since=2026-01-01T02:00:00%2B02:00&until=2026-01-01T01:00:00Z'
  );
  expect(offsets.status).toBe(200);
});
