import { FAULT_NAMES, FaultName, FakeFagent, namedFault, Recorded } from '../support/fake-fagent';
import { serverStates, snapshot } from '../support/fixtures';
import { checked, CheckedService } from '../support/openapi';
import { registerInstance, startTestService } from '../support/service';

/**
 * The fault matrix (README "Faults"): every named fault of the fake agent, on every route of one instance,
 * crossed with a sync, a command and a bulk command through the real service. After each: the stored data
 * is what it was or what a legitimate answer says, the instance or the audit row shows the error, the
 * process lives, and every sync ends within its deadline.
 */

const DEADLINE_MS = 1500;
const REQUEST_TIMEOUT_MS = 400;

let t: CheckedService;
let agent: FakeFagent;

beforeAll(async () => {
  agent = await new FakeFagent().start();
  t = checked(
    await startTestService({
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      maxRetries: 1,
      retryBaseDelayMs: 20,
      syncDeadlineMs: DEADLINE_MS,
      // Sequential reads, so a flapping agent's good and bad answers fall on known requests.
      fetchConcurrency: 1,
      cacheTtlSec: 0,
      breakerThreshold: 1000,
      fagentMaxBodyBytes: 4 * 1024 * 1024,
    })
  );
});
afterAll(async () => {
  await t?.stop();
  await agent?.stop();
});

/** What a sync does under a fault: changes nothing, applies the legitimate answer, or part of it, or holds. */
type SyncExpectation = 'unchanged' | 'legit' | 'partial' | 'held';
/** A command's audit result under a fault (a success stores DRAIN; anything else leaves the status). */
type CommandExpectation = 'success' | 'failure' | 'unknown';

const expected: Record<FaultName, { sync: SyncExpectation; command: CommandExpectation }> = {
  hang: { sync: 'unchanged', command: 'unknown' },
  slow: { sync: 'legit', command: 'success' },
  '5xx': { sync: 'unchanged', command: 'unknown' }, // a 5xx may come from in between: HAProxy asked, unreadable
  '4xx': { sync: 'unchanged', command: 'failure' }, // the agent said no: not read back
  'invalid-json': { sync: 'unchanged', command: 'unknown' },
  html: { sync: 'unchanged', command: 'unknown' },
  'success-false': { sync: 'unchanged', command: 'failure' },
  // A command's answer has no field these break; its read back does, so the usual status is assumed.
  'wrong-types': { sync: 'unchanged', command: 'success' },
  nulls: { sync: 'unchanged', command: 'success' },
  // The first backend (web) fails; the command's answer is fine, its read back of web is not.
  'one-backend-failing': { sync: 'partial', command: 'success' },
  // An empty backend list would remove everything: held. A command's read back lists no server.
  empty: { sync: 'held', command: 'success' },
  duplicates: { sync: 'legit', command: 'success' },
  huge: { sync: 'unchanged', command: 'unknown' },
  drip: { sync: 'unchanged', command: 'unknown' },
  'reset-mid-body': { sync: 'unchanged', command: 'unknown' },
  // The POST gets the bad answer (not applied), the read back the good one: HAProxy shows it not applied.
  flapping: { sync: 'legit', command: 'failure' },
  // Not followed: nothing was sent to where it points, so the command was not applied.
  redirect: { sync: 'unchanged', command: 'failure' },
  // The agent applied it, but neither its answer nor the read back can be read.
  gzip: { sync: 'unchanged', command: 'unknown' },
  // A command's answer names nothing; its read back does, so the usual status is assumed.
  latin1: { sync: 'unchanged', command: 'success' },
};

const of = (instance: string) => (r: Recorded) => r.segments[2] === instance;

/** A fresh instance (web: w1..w3, api: a1..a2) registered and synced clean. */
async function setUp(instance: string) {
  agent.setBackend(instance, 'web', [
    { name: 'w1', status: 'UP' },
    { name: 'w2', status: 'UP' },
    { name: 'w3', status: 'UP' },
  ]);
  agent.setBackend(instance, 'api', [
    { name: 'a1', status: 'UP' },
    { name: 'a2', status: 'UP' },
  ]);
  const { instanceId } = await registerInstance(t, agent.url, instance);
  expect((await sync(instanceId)).status).toBe('ok');
  const ids = Object.fromEntries((await serverStates(t.db.ds, instanceId)).map((s) => [s.server, s.id]));
  return { instanceId, ids };
}

const sync = async (instanceId: number) => {
  const res = await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, {
    token: t.tokens.operator,
  });
  expect(res.status).toBe(200);
  return res.body;
};
const instanceOf = async (id: number) => (await t.call('GET', `/api/haproxy/instances/${id}`)).body;
const statuses = async (instanceId: number) =>
  Object.fromEntries((await serverStates(t.db.ds, instanceId)).map((s) => [s.server, [s.status, s.removed]]));

/** After each case: the process answers, and a clean sync of the instance works. */
async function recovers(instanceId: number) {
  agent.clearFaults();
  expect((await t.call('GET', '/healthz')).body).toMatchObject({ status: 'ok' });
  expect((await sync(instanceId)).status).toBe('ok');
}

describe.each(FAULT_NAMES)('%s', (fault) => {
  test(`sync: ${expected[fault].sync}`, async () => {
    const name = `${fault}-sync`;
    const { instanceId } = await setUp(name);
    const before = await snapshot(t.db.ds, instanceId);
    // What a legitimate answer says now: w1 DOWN, w3 gone (one server of five: not held).
    agent.server(name, 'web', 'w1').status = 'DOWN';
    agent.setBackend(name, 'web', [agent.server(name, 'web', 'w1'), agent.server(name, 'web', 'w2')]);
    agent.inject(of(name), namedFault(fault));

    const started = Date.now();
    const out = await sync(instanceId);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1000);
    expect(out.duration_ms).toBeLessThanOrEqual(DEADLINE_MS + 600);

    const instance = await instanceOf(instanceId);
    switch (expected[fault].sync) {
      case 'unchanged':
        expect(out.status).toBe('failed');
        expect(await snapshot(t.db.ds, instanceId)).toEqual(before);
        expect(instance).toMatchObject({ last_sync_success: false, last_sync_error: out.error });
        break;
      case 'partial':
        expect(out.status).toBe('partial');
        expect(await snapshot(t.db.ds, instanceId)).toEqual(before); // web failed, api had nothing new
        expect(instance.last_sync_error).toMatch(/^1 backend\(s\) could not be read: web: /);
        break;
      case 'held':
        expect(out).toMatchObject({ status: 'ok', removals_held: true });
        expect(await snapshot(t.db.ds, instanceId)).toEqual(before);
        expect(instance.suspicious_answer).toMatchObject({ backends_removed: 2, backends_total: 2 });
        break;
      case 'legit':
        expect(out).toMatchObject({ status: 'ok', removals_held: false });
        expect(await statuses(instanceId)).toEqual({
          w1: ['DOWN', false],
          w2: ['UP', false],
          w3: ['UP', true],
          a1: ['UP', false],
          a2: ['UP', false],
        });
        expect(instance).toMatchObject({ last_sync_success: true, suspicious_answer: null });
        break;
    }
    await recovers(instanceId);
  });

  test(`command: ${expected[fault].command}`, async () => {
    const name = `${fault}-command`;
    const { instanceId, ids } = await setUp(name);
    const before = await snapshot(t.db.ds, instanceId);
    agent.inject(of(name), namedFault(fault));

    const started = Date.now();
    const res = await t.call('POST', `/api/haproxy/servers/${ids.w1}/command`, {
      token: t.tokens.operator,
      body: { command: 'drain' },
    });
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1000);
    const [action] = (await t.call('GET', `/api/haproxy/actions?server_id=${ids.w1}`)).body.actions;
    expect(action.result).toBe(expected[fault].command);
    if (expected[fault].command === 'success') {
      expect(res.status).toBe(200);
      expect((await statuses(instanceId)).w1).toEqual(['DRAIN', false]);
    } else {
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('fagent_error');
      expect(action.error).toEqual(expect.any(String));
      expect(await snapshot(t.db.ds, instanceId)).toEqual(before);
    }
    await recovers(instanceId);
  });

  test(`bulk: ${expected[fault].command} for each server`, async () => {
    const name = `${fault}-bulk`;
    const { instanceId, ids } = await setUp(name);
    agent.inject(of(name), namedFault(fault));

    const res = await t.call('POST', '/api/haproxy/commands/bulk', {
      token: t.tokens.operator,
      body: { command: 'drain', server_ids: [ids.w1, ids.a1], concurrency: 1 },
    });
    expect(res.status).toBe(200);
    const ok = expected[fault].command === 'success';
    expect(res.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([ok, ok]);
    const audit = (await t.call('GET', `/api/haproxy/actions?operation_id=${res.body.operation_id}`)).body;
    expect(audit.actions.map((a: { result: string }) => a.result)).toEqual([
      expected[fault].command,
      expected[fault].command,
    ]);
    const s = await statuses(instanceId);
    expect([s.w1[0], s.a1[0]]).toEqual(ok ? ['DRAIN', 'DRAIN'] : ['UP', 'UP']);
    await recovers(instanceId);
  });
});
