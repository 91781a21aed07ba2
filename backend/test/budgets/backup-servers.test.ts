import { extendedServer } from '../support/fake-fagent';
import { createApplication, fleet, useHarness } from '../api/helpers';

/**
 * Budgets count what can serve at once: HAProxy sends a backend's traffic to a backup server only when none of its
 * active servers can take it. Through the API, against an agent that says `backup`.
 */
const h = useHarness({}, { protocol: 'extended' });
let seq = 0;

const spare = (name: string) => extendedServer(name, 'ready', true, { backup: true });
const setBudget = (path: string, min: unknown) =>
  h.t.call('PUT', `${path}/budget`, { token: h.t.tokens.admin, body: { min_available: min } });
const budget = async (path: string) => (await h.t.call('GET', `${path}/budget`)).body;
const refusal = async (serverId: number, command: string) => {
  const res = await h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, {
    token: h.t.tokens.operator,
    body: { command },
  });
  return res.status === 200 ? 'sent' : `${res.status} ${res.body.error.code}: ${res.body.error.message}`;
};

test('a backend: a backup server is not counted while an active one serves, and is the last one once it takes over', async () => {
  const f = await fleet(h, `bk-${++seq}`, { web: [extendedServer('a'), extendedServer('b'), spare('spare')] });
  const path = `/api/haproxy/backends/${f.backendIds.web}`;
  const [a, b, s] = ['a', 'b', 'spare'].map((n) => f.servers[`web/${n}`].id);
  // Three servers, two that can serve: a count of 3 can never hold.
  const tooMany = await setBudget(path, 3);
  expect([tooMany.status, tooMany.body.error.message]).toEqual([
    400,
    'min_available 3 is more than the 2 servers of backend web that can serve at once',
  ]);
  expect((await setBudget(path, 2)).body).toMatchObject({ servers_counted: 2, available: 2, ok: true });
  // Below nothing: the backup server takes no traffic while a and b are up.
  expect(await refusal(s, 'drain')).toBe('sent');
  expect(await refusal(s, 'ready')).toBe('sent');
  // Two actives available, minimum 2: an active one is refused, although the backup server is up.
  expect(await refusal(a, 'drain')).toBe(
    `409 budget_exceeded: backend web of ${f.instanceName}: 2 available, minimum 2; refused a`
  );

  expect((await setBudget(path, 1)).body).toMatchObject({ available: 2 });
  expect(await refusal(a, 'drain')).toBe('sent');
  // The last active one goes: the backup server takes over, one still serves.
  expect(await refusal(b, 'drain')).toBe('sent');
  expect(await budget(path)).toMatchObject({ servers_counted: 2, available: 1, ok: true });
  expect(await refusal(s, 'maint')).toBe(
    `409 budget_exceeded: backend web of ${f.instanceName}: 1 available, minimum 1; refused spare`
  );
  expect(h.agent.server(f.instanceName, 'web', 'spare').admin_state).toBe('ready');

  // A dry run decides alike: with a back, the backup server is free to go again.
  expect(await refusal(a, 'ready')).toBe('sent');
  const dry = await h.t.call('POST', '/api/haproxy/commands/bulk', {
    token: h.t.tokens.operator,
    body: { command: 'drain', server_ids: [s, a], dry_run: true },
  });
  expect(dry.status).toBe(200);
  expect(dry.body.servers.map((x: { would: string }) => x.would)).toEqual(['take_out', 'refuse']);
});

test("an application: its backup server counts only once its backend's active servers, of any application, are all out", async () => {
  const app = await createApplication(h, `bk-app-${++seq}`);
  const f = await fleet(h, `bk-a-${seq}`, { web: [extendedServer('mine'), extendedServer('other'), spare('spare')] });
  const path = `/api/applications/${app}`;
  const [mine, other, s] = ['mine', 'other', 'spare'].map((n) => f.servers[`web/${n}`].id);
  for (const id of [mine, s]) {
    await h.t.call('PUT', `/api/haproxy/servers/${id}/mapping`, { body: { application_id: app } });
  }
  expect((await setBudget(path, 1)).body).toMatchObject({ servers_counted: 1, available: 1 });
  // `other` still serves the backend: the application's backup server would take no traffic.
  expect(await refusal(mine, 'drain')).toBe(
    `409 budget_exceeded: application bk-app-${seq}: 1 available, minimum 1; refused mine`
  );
  expect(await refusal(other, 'drain')).toBe('sent');
  // Now the backup server takes over when `mine` goes.
  expect(await refusal(mine, 'drain')).toBe('sent');
  expect(await budget(path)).toMatchObject({ servers_counted: 1, available: 1, ok: true });
  expect(await refusal(s, 'drain')).toBe(
    `409 budget_exceeded: application bk-app-${seq}: 1 available, minimum 1; refused spare`
  );
});
