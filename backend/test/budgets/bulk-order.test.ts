import { extendedServer } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';

/**
 * A bulk take-out decides its servers in order, as its dry run says, whatever order their commands reach the
 * budget in: a server whose claim comes late (another command on it still at the agent) keeps its place.
 */
const h = useHarness({}, { protocol: 'extended' });
const post = (path: string, body: Record<string, unknown>) =>
  h.t.call('POST', path, { token: h.t.tokens.operator, body });

test('a bulk drain takes out the servers its dry run named, though the first one was busy', async () => {
  const f = await fleet(h, 'bulk-order', { web: ['s1', 's2', 's3', 's4', 's5'].map((n) => extendedServer(n)) });
  const web = f.backendIds.web;
  expect((await h.t.call('PUT', `/api/haproxy/backends/${web}/budget`, { body: { min_available: 3 } })).status).toBe(
    200
  );
  const dry = await post('/api/haproxy/commands/bulk', { command: 'drain', backend_id: web, dry_run: true });
  const planned = dry.body.servers.map((s: { server_name: string; would: string }) => [s.server_name, s.would]);
  expect(planned).toEqual([
    ['s1', 'take_out'],
    ['s2', 'take_out'],
    ['s3', 'refuse'],
    ['s4', 'refuse'],
    ['s5', 'refuse'],
  ]);

  // A weight change on s1 (it stays available) is at the agent while the bulk starts: s1's command waits for it.
  let release!: () => void;
  h.agent.inject(
    (r) => r.route === 'command' && r.segments[6] === 's1',
    {
      kind: 'hold',
      until: new Promise<void>((r) => (release = r)),
    },
    1
  );
  const weight = post(`/api/haproxy/servers/${f.servers['web/s1'].id}/command`, { command: 'weight', weight: '50%' });
  await h.agent.arrived((r) => r.route === 'command' && r.segments[6] === 's1');
  const real = post('/api/haproxy/commands/bulk', { command: 'drain', backend_id: web, concurrency: 5 });
  await new Promise((r) => setTimeout(r, 500));
  release();
  expect((await weight).status).toBe(200);
  const answer = await real;
  expect(answer.status).toBe(200);
  const byName = new Map(Object.values(f.servers).map((s) => [s.id, s.server_name]));
  expect(
    answer.body.results.map((r: { server_id: number; ok: boolean; error_code?: string }) => [
      byName.get(r.server_id),
      r.ok ? 'take_out' : r.error_code === 'budget_exceeded' ? 'refuse' : r.error_code,
    ])
  ).toEqual(planned);
});
