import { readFresh } from '../../src/commands/fresh-read';
import type { ServerTarget } from '../../src/store/servers';
import { on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

const agent = useFakeAgent();
const client = testClient();
afterAll(() => client.close());

const target = (server_id: number, server_name: string): ServerTarget => ({
  server_id,
  server_name,
  status: 'UP',
  admin_state: null,
  maint_source: null,
  server_removed: false,
  backend_name: 'web',
  backend_removed: false,
  instance_id: 1,
  instance_name: 'main',
  fagent_url: agent.url,
  fagent_token: null,
});

test('a server the agent lists twice is read as its first entry, as the sync stores it', async () => {
  agent.setBackend('main', 'web', [
    { name: 'w1', status: 'DRAIN', current_sessions: 7 },
    { name: 'w2', status: 'UP' },
  ]);
  // The same name again, drained of its sessions: a drain wait must not take it for the server the sync shows.
  agent.inject(on.servers('web'), {
    kind: 'rewrite',
    rewrite: (a) => {
      const answer = a as { servers: Array<Record<string, unknown>> };
      answer.servers.push({ ...answer.servers[0], current_sessions: 0, status: 'MAINT' });
      return answer;
    },
  });
  const seen = await readFresh(client, [target(1, 'w1'), target(2, 'w2')]);
  expect(seen.get(1)).toMatchObject({ server: { name: 'w1', status: 'DRAIN', current_sessions: 7 } });
  expect(seen.get(2)).toMatchObject({ server: { name: 'w2', status: 'UP' } });
});
