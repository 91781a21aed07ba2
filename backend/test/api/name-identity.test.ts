import { FakeFagent } from '../support/fake-fagent';
import { registerInstance } from '../support/service';
import { command, fleet, syncNow, useHarness } from './helpers';

const h = useHarness();

/** The commands a scope's annotations show: `<command> <instance>/<backend>/<server>`, the names as the audit row has them. */
async function commandTargets(scope: Record<string, unknown>): Promise<string[]> {
  const res = await h.t.call('POST', '/api/haproxy/query', {
    body: {
      range: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      maxDataPoints: 100,
      queries: [{ refId: 'A', type: 'commands', scope }],
    },
  });
  expect(res.status).toBe(200);
  const frame = res.body.results.A.frames[0];
  const field = (name: string): string[] =>
    frame.data.values[frame.schema.fields.findIndex((f: { name: string }) => f.name === name)];
  const targets = field('target');
  return field('command').map((c, i) => `${c} ${targets[i]}`);
}

test("an instance's commands follow it through a rename, and a name another instance had selects only the new one", async () => {
  const a = await fleet(h, 'edge', { web: [{ name: 's1', status: 'UP' }] }, { hostName: 'lb-a' });
  expect((await command(h, a.servers['web/s1'].id, 'drain')).status).toBe(200);
  const renamed = await h.t.call('PATCH', `/api/haproxy/instances/${a.instanceId}`, { body: { name: 'edge-old' } });
  expect(renamed.status).toBe(200);
  h.agent.setBackend('edge-old', 'web', [{ name: 's1', status: 'DRAIN' }]);
  await syncNow(h, a.instanceId);
  const b = await fleet(h, 'edge', { web: [{ name: 's1', status: 'UP' }] }, { hostName: 'lb-b' });
  expect((await command(h, b.servers['web/s1'].id, 'maint')).status).toBe(200);

  // The audit row keeps the name then; the scope selects by the instance's name now.
  expect(await commandTargets({ instance: 'edge' })).toEqual(['maint edge/web/s1']);
  expect(await commandTargets({ instance: 'edge-old' })).toEqual(['drain edge/web/s1']);
  expect(await commandTargets({ instance: 'edge*' })).toEqual(['drain edge/web/s1', 'maint edge/web/s1']);
  expect(await commandTargets({ instance: a.instanceId })).toEqual(['drain edge/web/s1']);
});

test('instances of one name on two hosts: their series are named apart, by host', async () => {
  await fleet(h, 'main', { app: [{ name: 's1', status: 'UP' }] }, { hostName: 'lb-x' });
  // Another HAProxy, so behind another agent: through the same one it would be the first registered twice (409).
  const other = await new FakeFagent().start();
  try {
    other.setBackend('main', 'app', [{ name: 's1', status: 'UP' }]);
    await syncNow(h, (await registerInstance(h.t, other.url, 'main', { hostName: 'lb-y' })).instanceId);
  } finally {
    await other.stop();
  }
  const res = await h.t.call('POST', '/api/haproxy/query', {
    body: {
      range: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      maxDataPoints: 100,
      queries: [
        { refId: 'A', type: 'status_timeline', scope: { instance: 'main' } },
        { refId: 'B', type: 'sessions', aggregate: 'sum', scope: { instance: 'main' } },
      ],
    },
  });
  expect(res.status).toBe(200);
  const named = (refId: string) =>
    res.body.results[refId].frames[0].schema.fields
      .slice(1)
      .map((f: { name: string; config: { displayName: string } }) => [f.name, f.config.displayName]);
  expect(named('A')).toEqual([
    ['lb-x/main/app/s1', 'lb-x/main/app/s1'],
    ['lb-y/main/app/s1', 'lb-y/main/app/s1'],
  ]);
  expect(named('B')).toEqual([
    ['lb-x/main/app', 'lb-x/main/app (sum)'],
    ['lb-y/main/app', 'lb-y/main/app (sum)'],
  ]);
});
