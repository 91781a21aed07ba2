import { fleet, useHarness } from './helpers';

/**
 * The audit log is append-only in PostgreSQL itself (migration 1764000000022), whoever connects: a command's
 * row gets its outcome and may get a note appended; deleting its server or host clears only its references.
 * Rewriting who, what, when or why, changing a recorded outcome, deleting or truncating are refused.
 */
const h = useHarness();

const sql = (text: string, params: unknown[] = []) => h.t.db.pool.query<Record<string, unknown>>(text, params);
const refused = (text: string, params: unknown[] = []) =>
  sql(text, params).then(
    () => 'allowed',
    (err: Error) => err.message
  );

test('a recorded command cannot be rewritten, deleted or truncated; a note can be added', async () => {
  const f = await fleet(h, 'audit', { web: [{ name: 's1', status: 'UP' }] });
  const sent = await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/s1'].id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'drain', reason: 'ticket OPS-1' },
  });
  expect(sent.status).toBe(200);
  const id = sent.body.action.id as number;

  expect(await refused(`UPDATE haproxy_actions SET actor = 'someone-else' WHERE id = $1`, [id])).toMatch(
    /who, what, when and why never change/
  );
  expect(await refused(`UPDATE haproxy_actions SET reason = NULL WHERE id = $1`, [id])).toMatch(/never change/);
  expect(await refused(`UPDATE haproxy_actions SET started_at = now() - interval '1 day' WHERE id = $1`, [id])).toMatch(
    /never change/
  );
  expect(await refused(`UPDATE haproxy_actions SET result = 'failure', success = false WHERE id = $1`, [id])).toMatch(
    /outcome is recorded/
  );
  expect(await refused(`UPDATE haproxy_actions SET note = 'replaced' WHERE id = $1`, [id])).toBe('allowed'); // none yet
  expect(await refused(`UPDATE haproxy_actions SET note = 'rewritten' WHERE id = $1`, [id])).toMatch(/only a note/);
  expect(await refused(`UPDATE haproxy_actions SET note = note || '; and more' WHERE id = $1`, [id])).toBe('allowed');
  expect(await refused(`UPDATE haproxy_actions SET server_id = server_id + 1000 WHERE id = $1`, [id])).toMatch(
    /may only be cleared/
  );
  expect(await refused(`DELETE FROM haproxy_actions WHERE id = $1`, [id])).toMatch(/append-only: DELETE refused/);
  expect(await refused(`TRUNCATE haproxy_actions`)).toMatch(/append-only: TRUNCATE refused/);

  const [row] = await sql(`SELECT actor, reason, result, note FROM haproxy_actions WHERE id = $1`, [id]);
  expect(row).toEqual({
    actor: 'token:test-operator',
    reason: 'ticket OPS-1',
    result: 'success',
    note: 'replaced; and more',
  });
});

test('a pending row gets its outcome; deleting the host keeps its commands, without their references', async () => {
  const f = await fleet(h, 'audit-host', { web: [{ name: 's1', status: 'UP' }] }, { hostName: 'audit-host-1' });
  const sent = await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/s1'].id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint' },
  });
  const id = sent.body.action.id as number;
  const [pending] = await sql(
    `INSERT INTO haproxy_actions (server_id, instance_id, instance_name, backend_name, server_name, command, actor,
       source, success, result, started_at, duration_ms)
     VALUES ($1, $2, 'audit-host', 'web', 's1', 'ready', 'test', 'api', false, 'pending', now(), 0) RETURNING id`,
    [f.servers['web/s1'].id, f.instanceId]
  );
  expect(
    await refused(`UPDATE haproxy_actions SET result = 'success', success = true, completed_at = now() WHERE id = $1`, [
      pending.id,
    ])
  ).toBe('allowed');

  expect((await h.t.call('DELETE', `/api/hosts/${f.hostId}`)).status).toBe(204);
  const rows = await sql(
    `SELECT id, server_id, instance_id, server_name, result FROM haproxy_actions WHERE id = ANY($1) ORDER BY id`,
    [[id, pending.id]]
  );
  expect(rows).toEqual([
    { id, server_id: null, instance_id: null, server_name: 's1', result: 'success' },
    { id: pending.id, server_id: null, instance_id: null, server_name: 's1', result: 'success' },
  ]);
});
