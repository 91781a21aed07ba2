import { FakeFagent, on } from '../support/fake-fagent';
import { fleet, syncNow, useHarness } from './helpers';

const h = useHarness();
let other: FakeFagent;
beforeAll(async () => {
  other = await new FakeFagent().start();
});
afterAll(() => other.stop());

/** A manual sync whose agent reads are held (all of `instance`'s at `agent`) until the returned release. */
async function heldSync(agent: FakeFagent, instanceId: number, instance: string) {
  let release!: () => void;
  agent.inject((r) => r.segments[2] === instance, { kind: 'hold', until: new Promise<void>((r) => (release = r)) });
  // The setup's sync asked the same: only this sync's request, held, says it has read the agent's address.
  const after = agent.requests.length;
  const syncing = h.t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, {
    token: h.t.tokens.operator,
  });
  await agent.arrived((r) => r.segments[2] === instance && r.route === 'backends', { after });
  return async () => {
    release();
    const res = await syncing;
    agent.clearFaults();
    expect(res.status).toBe(200);
    return res.body;
  };
}

const statuses = async (instanceId: number) =>
  (await h.t.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers
    .map((s: { server_name: string; status: string }) => `${s.server_name}=${s.status}`)
    .sort();

test('a deactivated host takes its instances out of the summary’s active and failing counts at once', async () => {
  const f = await fleet(h, 'off-host', { web: [{ name: 'a', status: 'UP' }] });
  h.agent.inject(on.backends('off-host'), { kind: 'status', status: 500 });
  await syncNow(h, f.instanceId, 'failed');
  h.agent.clearFaults();
  const before = (await h.t.call('GET', '/api/haproxy/summary')).body;
  expect(before.failing_instances.map((i: { id: number }) => i.id)).toContain(f.instanceId);

  expect((await h.t.call('PATCH', `/api/hosts/${f.hostId}`, { body: { is_active: false } })).status).toBe(200);
  const after = (await h.t.call('GET', '/api/haproxy/summary')).body;
  expect(after.failing_instances.map((i: { id: number }) => i.id)).not.toContain(f.instanceId);
  expect(after.instances).toMatchObject({
    total: before.instances.total,
    active: before.instances.active - 1,
    failing: before.instances.failing - 1,
  });
});

test('a sync in flight when the host’s agent URL changes writes nothing of the old agent’s answer', async () => {
  const f = await fleet(h, 'moving', { web: [{ name: 'a', status: 'UP' }] });
  other.setBackend('moving', 'web', [{ name: 'a', status: 'UP' }]);
  h.agent.server('moving', 'web', 'a').status = 'DOWN';
  const finish = await heldSync(h.agent, f.instanceId, 'moving');
  const moved = await h.t.call('PATCH', `/api/hosts/${f.hostId}`, {
    body: { fagent_url: other.url, fagent_token: 'the-new-agents-token' },
  });
  expect(moved.status).toBe(200);
  expect(await finish()).toMatchObject({ status: 'skipped', error: expect.stringMatching(/agent moved/) });
  expect(await statuses(f.instanceId)).toEqual(['a=UP']);
  await syncNow(h, f.instanceId);
  expect(other.requests.map((r) => r.authorization)).toEqual(other.requests.map(() => 'Bearer the-new-agents-token'));
});

test('a sync in flight when the instance is renamed writes nothing of the old name’s answer', async () => {
  const f = await fleet(h, 'old-name', { web: [{ name: 'a', status: 'UP' }] });
  h.agent.setBackend('new-name', 'web', [{ name: 'a', status: 'DOWN' }]);
  const synced = (await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body.last_sync_at;
  // The old name's answer is what is stored (the unchanged path): not even its success may be recorded.
  const finish = await heldSync(h.agent, f.instanceId, 'old-name');
  const renamed = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, { body: { name: 'new-name' } });
  expect(renamed.status).toBe(200);
  expect(await finish()).toMatchObject({ status: 'skipped', error: expect.stringMatching(/renamed/) });
  expect((await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body.last_sync_at).toBe(synced);
  await syncNow(h, f.instanceId);
  expect(await statuses(f.instanceId)).toEqual(['a=DOWN']);
});
