import { fleet, useHarness } from '../api/helpers';

/** What a viewer reads of what others made: no secret another caller gave the service. */
const h = useHarness();

test("a job's callback URL (a webhook's secret is in its path) is shown to operators, not to viewers", async () => {
  const f = await fleet(h, 'hooks', { web: [{ name: 'h1', status: 'UP' }] });
  const callback = 'http://127.0.0.1:9/services/T0001/B0002/s3cr3t-webhook-path';
  const created = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', server_ids: [f.servers['web/h1'].id], then: null, callback_url: callback },
  });
  expect(created.status).toBe(202);
  const id = created.body.id as string;

  for (const token of [h.t.tokens.viewer, h.t.grafanaTokens.viewer]) {
    const one = await h.t.call('GET', `/api/haproxy/operations/${id}`, { token });
    const list = await h.t.call('GET', '/api/haproxy/operations', { token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, callback_url: null, callback: expect.any(Object) });
    expect(list.body.operations.find((o: { id: string }) => o.id === id)).toMatchObject({ callback_url: null });
    expect(JSON.stringify([one.body, list.body])).not.toContain('s3cr3t');
  }
  for (const token of [h.t.tokens.operator, h.t.tokens.admin]) {
    expect((await h.t.call('GET', `/api/haproxy/operations/${id}`, { token })).body.callback_url).toBe(callback);
  }
});
