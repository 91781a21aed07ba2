import { ADMIN_AGENT_READ_DEADLINE_MS } from '../../src/registry/agent-test';
import { fleet, useHarness } from './helpers';

// One agent request may take longer than Grafana's proxy waits (30 s by default), as 4 x the default 10 s do.
const h = useHarness({ requestTimeoutMs: ADMIN_AGENT_READ_DEADLINE_MS + 5_000, maxRetries: 0 });

describe('scope preview of a hanging agent', () => {
  test('answers within the admin deadline with the stored backends and why the agent was not read', async () => {
    const f = await fleet(h, 'preview-hang', { web: [{ name: 'a', status: 'UP' }] });
    h.agent.inject((r) => r.segments[2] === 'preview-hang', { kind: 'hang' });
    try {
      const started = Date.now();
      const res = await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/scope-preview`, {
        body: { scope: ['web'] },
      });
      expect(Date.now() - started).toBeLessThan(ADMIN_AGENT_READ_DEADLINE_MS + 2_000);
      expect(res.status).toBe(200);
      expect(res.body.agent_error).toEqual(expect.any(String));
      expect(res.body.backends).toEqual([{ name: 'web', in_scope: true, on_agent: false, stored: true }]);
    } finally {
      h.agent.clearFaults();
    }
  });
});
