import { eventually, Stack, startStack, StoredServer } from './support';

const THRESHOLD = 3;
// Long enough that the steps between opening and the "still open" check cannot outlast it on a busy CI machine.
const RESET_MS = 3000;

describe('agent stopped: the breaker opens, stored data is untouched; agent back: recovery', () => {
  let stack: Stack;
  let before: StoredServer[];

  const breakerState = async () => (await stack.instance()).breaker_state;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: (u) => ({
        backends: [
          {
            name: 'web',
            servers: [
              { name: 'w1', address: u.healthy.address },
              { name: 'w2', address: u.healthy.address },
            ],
          },
        ],
      }),
      // No retries and short timeouts, so each failed sync is one quick failure of the breaker.
      service: { breakerThreshold: THRESHOLD, breakerResetTimeoutMs: RESET_MS, requestTimeoutMs: 500, maxRetries: 0 },
    });
    expect((await stack.sync()).status).toBe('ok');
    before = await stack.servers();
    await stack.stopAgent();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it(`opens after ${THRESHOLD} failed syncs; the instance shows the error`, async () => {
    for (let i = 1; i <= THRESHOLD; i++) {
      const answer = await stack.sync();
      expect(answer.status).toBe('failed');
      expect(answer.error).toMatch(/unreachable.*ECONNREFUSED/);
      expect(await breakerState()).toBe(i < THRESHOLD ? 'closed' : 'open');
    }
    expect(await stack.instance()).toMatchObject({
      breaker_state: 'open',
      last_sync_success: false,
      last_sync_error: expect.stringMatching(/ECONNREFUSED/),
      consecutive_failures: THRESHOLD,
    });

    // Open: the agent is not even called.
    const paused = await stack.sync();
    expect(paused).toMatchObject({ status: 'failed', error: expect.stringMatching(/circuit breaker open/) });
    expect(await stack.instance()).toMatchObject({
      last_sync_error: paused.error,
      consecutive_failures: THRESHOLD + 1,
    });
  });

  it('a command while open is refused with 503 and audited as failed', async () => {
    const res = await stack.command(before[0].id, 'drain');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('breaker_open');
    const [latest] = await stack.actions(before[0].id);
    expect(latest).toMatchObject({
      command: 'drain',
      success: false,
      error: expect.stringMatching(/circuit breaker open/),
    });
    expect(await stack.haproxy.serverStatus('web', 'w1')).toBe('no check');
  });

  it('kept the stored servers and their history as they were', async () => {
    expect(await stack.servers()).toEqual(before);
    for (const s of before) {
      expect(await stack.history(s.id)).toHaveLength(1);
    }
  });

  it('recovers once the agent is back and the reset timeout has passed', async () => {
    await stack.startAgent();
    // Still open right after: the breaker waits out its timeout before it tries again.
    expect(await breakerState()).toBe('open');
    expect((await stack.sync()).error).toMatch(/circuit breaker open/);

    await eventually(async () => (await breakerState()) === 'half_open', 'the breaker to half-open', RESET_MS + 2000);
    expect(await stack.sync()).toMatchObject({ status: 'ok', error: null, servers: 2, changed_servers: 0 });
    expect(await stack.instance()).toMatchObject({
      breaker_state: 'closed',
      last_sync_success: true,
      last_sync_error: null,
      consecutive_failures: 0,
    });
    expect((await stack.servers()).map((s) => s.id)).toEqual(before.map((s) => s.id));
  });
});
