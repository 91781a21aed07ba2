import type { FagentClient, FagentTarget } from '../../src/fagent/client';
import { FagentError, FagentErrorKind } from '../../src/fagent/errors';
import { FAULT_NAMES, FaultName, namedFault, on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

/** Every named fault on every route: a typed error of the expected kind, or the legitimate answer. */
const TIMEOUT_MS = 800;
// A huge answer ends at the body limit (4 MB here: the default's own test is memory.test.ts); on a busy
// machine streaming that far can take longer than the short deadline the other faults are tested with.
const deadline = (name: FaultName) => (name === 'huge' ? 10_000 : TIMEOUT_MS);

const agent = useFakeAgent({ protocol: 'extended' })
  .setBackend('main', 'web', [
    { name: 'w1', status: 'UP' },
    { name: 'w2', status: 'DOWN' },
  ])
  .setBackend('main', 'api', [{ name: 'a1', status: 'UP' }]);
const target = (): FagentTarget => ({ instanceId: 1, instanceName: 'main', baseUrl: agent.url });

type Route = 'backends' | 'servers' | 'state' | 'command';
const calls: Record<Route, (c: FagentClient) => Promise<unknown>> = {
  backends: (c) => c.getBackends(target()),
  servers: (c) => c.getServers(target(), 'web'),
  state: (c) => c.getState(target()),
  command: (c) => c.command(target(), 'web', 'w1', 'ready'),
};

type Outcome = FagentErrorKind | 'answer';
const all = (o: Outcome): Record<Route, Outcome> => ({ backends: o, servers: o, state: o, command: o });
/** A command's answer has no list or field to break: only `success` counts there. */
const lists = (o: Outcome): Record<Route, Outcome> => ({ ...all(o), command: 'answer' });

const expected: Record<FaultName, Record<Route, Outcome>> = {
  hang: all('timeout'),
  slow: all('answer'),
  '5xx': all('http'),
  '4xx': all('http'),
  'invalid-json': all('invalid_answer'),
  html: all('invalid_answer'),
  'success-false': all('refused'),
  'wrong-types': lists('invalid_answer'),
  nulls: lists('invalid_answer'),
  // The first backend (web) fails: its server list; in /state that backend alone (its `error`, see sync tests).
  'one-backend-failing': { backends: 'answer', servers: 'http', state: 'answer', command: 'answer' },
  empty: all('answer'),
  duplicates: all('answer'),
  huge: all('over_limit'),
  drip: all('timeout'),
  'reset-mid-body': all('network'),
  flapping: all('http'), // the first request of a flapping agent fails; retries are tested in client.test.ts
  redirect: all('http'), // not followed: the token goes only where the agent was registered
  gzip: all('invalid_answer'), // never asked for, never decoded
  latin1: lists('invalid_answer'), // JSON is UTF-8: read as UTF-8, the names would be others
};

const cases = FAULT_NAMES.flatMap((name) =>
  (Object.keys(calls) as Route[]).map((route) => [name, route, expected[name][route]] as const)
);

test.each(cases)('%s on %s: %s, within the deadline, and the client works after', async (name, route, outcome) => {
  const client = testClient({ timeoutMs: deadline(name), maxRetries: 0, maxBodyBytes: 4 * 1024 * 1024 });
  agent.inject(on.any(), namedFault(name));
  const started = Date.now();
  const result = await calls[route](client).then(
    (value) => ({ value }),
    (error: unknown) => ({ error })
  );
  const elapsed = Date.now() - started;
  if (outcome === 'answer') {
    expect(result).toHaveProperty('value');
  } else {
    expect('error' in result && result.error).toBeInstanceOf(FagentError);
    expect((result as { error: FagentError }).error.kind).toBe(outcome);
  }
  // The total deadline holds whatever the fault (a busy machine gets a generous margin).
  expect(elapsed).toBeLessThan(deadline(name) + 2000);
  agent.clearFaults();
  await expect(calls[route](client)).resolves.toBeDefined();
  client.close();
});

test('the legitimate answers under faults are what the agent sent', async () => {
  const client = testClient();
  agent.inject(on.any(), namedFault('empty'), 2);
  await expect(client.getBackends(target())).resolves.toEqual([]);
  await expect(client.getState(target())).resolves.toMatchObject({ backends: [] });
  agent.inject(on.any(), namedFault('duplicates'), 1);
  expect((await client.getServers(target(), 'api')).map((s) => s.name)).toEqual(['a1', 'a1']);
  client.close();
});
