import { intentOf, observedState, stateFromStatus } from '../../src/domain/server-state';
import { windowEnd } from '../../src/domain/window';

describe('what a status says of the two states (agents without the state fields)', () => {
  test.each([
    ['UP', 'ready', null, 'up'],
    ['UP 1/3', 'ready', null, 'up'], // going down, still up
    ['no check', 'ready', null, 'up'],
    ['DRAIN', 'drain', null, 'up'],
    ['DRAIN (agent)', 'drain', null, 'up'],
    ['DRAIN 1/3', 'drain', null, 'up'],
    ['MAINT', 'maint', null, null],
    ['MAINT (via web/w1)', 'maint', 'inherited', null],
    ['MAINT (resolution)', 'maint', 'resolution', null],
    // HAProxy shows health first: a drained server that is DOWN or soft-stopping says nothing of its drain.
    ['DOWN', null, null, 'down'],
    ['DOWN (agent)', null, null, 'down'],
    ['DOWN 1/2', null, null, 'down'],
    ['NOLB', null, null, 'stopping'],
    ['something new', null, null, null],
  ])('%s -> admin %p (maint source %p), operational %p', (status, admin, source, operational) => {
    expect(stateFromStatus(status)).toEqual({
      admin: { adminState: admin, maintSource: source },
      operationalState: operational,
    });
  });
});

describe('a server as HAProxy shows it', () => {
  const drained = { adminState: 'drain' as const, maintSource: null };

  test("the agent's state fields win over the status", () => {
    expect(
      observedState(
        { status: 'DOWN', admin_state: 'drain', operational_state: 'down', initial_weight: 10, maint_source: null },
        null
      )
    ).toEqual({ status: 'DOWN', adminState: 'drain', maintSource: null, operationalState: 'down', initialWeight: 10 });
  });

  test("a maint source is kept only for maint (an agent's stray one is dropped)", () => {
    expect(observedState({ status: 'MAINT', admin_state: 'maint', maint_source: 'config' }, null).maintSource).toBe(
      'config'
    );
    expect(observedState({ status: 'UP', admin_state: 'ready', maint_source: 'forced' }, null).maintSource).toBeNull();
    // A drain keeps only `inherited` (through track).
    expect(observedState({ status: 'DRAIN', admin_state: 'drain', maint_source: 'inherited' }, null).maintSource).toBe(
      'inherited'
    );
    expect(
      observedState({ status: 'DRAIN', admin_state: 'drain', maint_source: 'forced' }, null).maintSource
    ).toBeNull();
  });

  test('when the status hides the admin state, what we knew stands; when it tells, it wins', () => {
    expect(observedState({ status: 'DOWN' }, drained)).toMatchObject({ adminState: 'drain', operationalState: 'down' });
    expect(observedState({ status: 'UP' }, drained)).toMatchObject({ adminState: 'ready', operationalState: 'up' });
    expect(observedState({ status: 'DOWN' }, null)).toMatchObject({ adminState: null, operationalState: 'down' });
  });

  test('only the admin part of what we knew is taken (a stored row carries its old status too)', () => {
    const stored = { ...drained, status: 'DRAIN', operationalState: 'up' };
    expect(observedState({ status: 'DOWN' }, stored)).toEqual({
      status: 'DOWN',
      adminState: 'drain',
      maintSource: null,
      operationalState: 'down',
      initialWeight: null,
    });
  });
});

test('operator intent compares with forced and configured states, not with a maint that is not ours', () => {
  expect(intentOf({ adminState: 'maint', maintSource: 'inherited' })).toBeNull();
  expect(intentOf({ adminState: 'maint', maintSource: 'resolution' })).toBeNull();
  expect(intentOf({ adminState: 'maint', maintSource: 'config' })).toBe('maint');
  expect(intentOf({ adminState: 'maint', maintSource: 'forced' })).toBe('maint');
  expect(intentOf({ adminState: 'maint', maintSource: null })).toBe('maint');
  expect(intentOf({ adminState: 'drain', maintSource: null })).toBe('drain');
  expect(intentOf({ adminState: 'drain', maintSource: 'inherited' })).toBeNull();
  expect(intentOf({ adminState: null, maintSource: null })).toBeNull();
});

describe('a maintenance window', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const at = (ms: number) => new Date(now.getTime() + ms);
  const day = 24 * 3600 * 1000;

  test('none asked', () => {
    expect(windowEnd({}, now)).toBeUndefined();
  });

  test('a duration counts from now', () => {
    expect(windowEnd({ durationS: 3600 }, now)).toEqual({ end: at(3600_000) });
  });

  test('until: in the future and at most 30 days ahead, both ends exact', () => {
    expect(windowEnd({ until: at(1) }, now)).toEqual({ end: at(1) });
    expect(windowEnd({ until: at(30 * day) }, now)).toEqual({ end: at(30 * day) });
    expect(windowEnd({ until: now }, now)).toEqual({ problem: 'until must be in the future' });
    expect(windowEnd({ until: at(-60_000) }, now)).toEqual({ problem: 'until must be in the future' });
    expect(windowEnd({ until: at(30 * day + 1) }, now)).toEqual({ problem: 'until must be at most 30 days ahead' });
  });

  test('not both', () => {
    expect(windowEnd({ until: at(60_000), durationS: 60 }, now)).toEqual({
      problem: 'give until or duration_s, not both',
    });
  });
});
