import type { Recorded } from '../support/fake-fagent';
import { startReplica } from '../support/replica';
import { fleet, useHarness } from '../api/helpers';

/**
 * "Sync now" on one replica while another replica's sync holds the instance's lock: as within one process, the
 * fresh sync runs once the other one has ended, rather than answering "skipped" with nothing read.
 */
const h = useHarness();

test('a manual sync waits for the sync another replica runs, then reads the agent itself', async () => {
  const name = 'manual-elsewhere';
  const f = await fleet(h, name, { web: [{ name: 'w1', status: 'UP' }] });
  const replica = await startReplica(h.t.db.url);
  try {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const backendsOf = (r: Recorded) => r.route === 'backends' && r.segments[2] === name;
    const before = h.agent.requests.filter(backendsOf).length;
    // The replica's sync holds the instance's lock while its read of the agent hangs.
    h.agent.inject(backendsOf, { kind: 'hold', until: held }, 1);
    const elsewhere = fetch(`${replica.url}/api/haproxy/instances/${f.instanceId}/sync?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.t.tokens.operator}` },
    });
    await h.agent.arrived((r) => backendsOf(r) && h.agent.requests.filter(backendsOf).length > before);
    // Meanwhile HAProxy changed: the sync asked for now must show it.
    h.agent.server(name, 'web', 'w1').status = 'DRAIN';
    const here = h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync?wait=true`, {
      token: h.t.tokens.operator,
    });
    await new Promise((r) => setTimeout(r, 300));
    release();
    const res = await here;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', servers: 1 });
    expect((await elsewhere).status).toBe(200);
    const servers = await h.t.call('GET', `/api/haproxy/servers?instance_id=${f.instanceId}`);
    expect(servers.body.servers.map((s: { status: string }) => s.status)).toEqual(['DRAIN']);
  } finally {
    await replica.stop();
  }
}, 30_000);
