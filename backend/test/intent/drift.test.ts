import type { AdminState, DriftCause } from '../../src/domain/server-state';
import {
  decideIntent,
  IntentDecision,
  IntentInput,
  planIntents,
  REAPPLY_BACKOFF,
  shouldReapply,
  StoredIntent,
} from '../../src/intent/drift';

const input = (o: Partial<IntentInput>): IntentInput => ({
  desired: null,
  previous: null,
  actual: null,
  restarted: false,
  drifting: null,
  ...o,
});
const agree: IntentDecision = { kind: 'agree' };
const keep: IntentDecision = { kind: 'keep' };
const drift = (cause: DriftCause): IntentDecision => ({ kind: 'drift', cause });
const external = (adopt: AdminState): IntentDecision => ({ kind: 'external', adopt });

describe('decideIntent', () => {
  test.each<[string, Partial<IntentInput>, IntentDecision]>([
    // Nothing can be told.
    ['the admin state is unknown (a DOWN server from a seed agent)', { desired: 'drain', actual: null }, keep],
    ['unknown, and a restart', { desired: 'drain', actual: null, restarted: true }, keep],
    // HAProxy holds what we were asked.
    ['drain held', { desired: 'drain', previous: 'drain', actual: 'drain' }, agree],
    [
      'drain held across a restart (a server-state file)',
      { desired: 'drain', actual: 'drain', restarted: true },
      agree,
    ],
    ['ready held', { desired: 'ready', previous: 'ready', actual: 'ready' }, agree],
    // A new process lost it.
    [
      'a reload lost a drain',
      { desired: 'drain', previous: 'drain', actual: 'ready', restarted: true },
      drift('reload'),
    ],
    [
      'a reload lost a maint',
      { desired: 'maint', previous: 'maint', actual: 'ready', restarted: true },
      drift('reload'),
    ],
    [
      'a reload brought back a configured maint we were asked to ready',
      { desired: 'ready', previous: 'ready', actual: 'maint', restarted: true },
      drift('reload'),
    ],
    [
      'a reload while the drift was already there',
      { desired: 'drain', actual: 'ready', restarted: true, drifting: 'unknown' },
      drift('reload'),
    ],
    // The same process, changed under us: adopted.
    [
      'someone readied a drained server on the socket',
      { desired: 'drain', previous: 'drain', actual: 'ready' },
      external('ready'),
    ],
    [
      'someone drained a ready server on the stats page',
      { desired: 'ready', previous: 'ready', actual: 'drain' },
      external('drain'),
    ],
    [
      'someone put a drained server in maint',
      { desired: 'drain', previous: 'drain', actual: 'maint' },
      external('maint'),
    ],
    [
      'someone changed a drifting server to a third state',
      { desired: 'drain', previous: 'ready', actual: 'maint', drifting: 'reload' },
      external('maint'),
    ],
    // A drift that is still there.
    [
      'a drift not repaired yet (same process)',
      { desired: 'drain', previous: 'ready', actual: 'ready', drifting: 'reload' },
      drift('reload'),
    ],
    [
      'a drift whose previous state was unknown',
      { desired: 'maint', previous: null, actual: 'ready', drifting: 'unknown' },
      drift('unknown'),
    ],
    // The agent does not say whether HAProxy restarted.
    [
      'no process info: a lost drain is drift',
      { desired: 'drain', previous: 'drain', actual: 'ready', restarted: undefined },
      drift('unknown'),
    ],
    [
      'no process info: a lost maint is drift',
      { desired: 'maint', previous: 'maint', actual: 'ready', restarted: undefined },
      drift('unknown'),
    ],
    [
      'no process info: an added drain is external',
      { desired: 'ready', previous: 'ready', actual: 'drain', restarted: undefined },
      external('drain'),
    ],
    [
      'no process info: drain became maint, external',
      { desired: 'drain', previous: 'drain', actual: 'maint', restarted: undefined },
      external('maint'),
    ],
    [
      'same process, previous unknown: a loss is drift',
      { desired: 'drain', previous: null, actual: 'ready' },
      drift('unknown'),
    ],
    [
      'same process, previous unknown: an addition is external',
      { desired: 'ready', previous: null, actual: 'maint' },
      external('maint'),
    ],
    // Nothing asked of us.
    ['nothing asked, nothing changed', { previous: 'ready', actual: 'ready' }, agree],
    [
      'nothing asked, first seen drained (the configuration, or before our time)',
      { previous: null, actual: 'drain' },
      agree,
    ],
    ['nothing asked, changed across a restart', { previous: 'drain', actual: 'ready', restarted: true }, agree],
    ['nothing asked, drained on the socket', { previous: 'ready', actual: 'drain' }, external('drain')],
    [
      'nothing asked, readied on the socket (no process info)',
      { previous: 'maint', actual: 'ready', restarted: undefined },
      external('ready'),
    ],
  ])('%s', (_what, i, expected) => {
    expect(decideIntent(input(i))).toEqual(expected);
  });
});

describe('shouldReapply', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  test('never under the alert policy', () => {
    expect(shouldReapply('alert', { attempts: 0, lastAttemptAt: null }, now)).toBe(false);
  });

  test('at once the first time', () => {
    expect(shouldReapply('reapply', { attempts: 0, lastAttemptAt: null }, now)).toBe(true);
  });

  test('then after 1, 2, 4 ... minutes since the last try, at most an hour', () => {
    const first = REAPPLY_BACKOFF.firstMs;
    expect(shouldReapply('reapply', { attempts: 1, lastAttemptAt: ago(first - 1) }, now)).toBe(false);
    expect(shouldReapply('reapply', { attempts: 1, lastAttemptAt: ago(first) }, now)).toBe(true);
    expect(shouldReapply('reapply', { attempts: 3, lastAttemptAt: ago(4 * first - 1) }, now)).toBe(false);
    expect(shouldReapply('reapply', { attempts: 3, lastAttemptAt: ago(4 * first) }, now)).toBe(true);
    expect(shouldReapply('reapply', { attempts: 30, lastAttemptAt: ago(REAPPLY_BACKOFF.maxMs - 1) }, now)).toBe(false);
    expect(shouldReapply('reapply', { attempts: 30, lastAttemptAt: ago(REAPPLY_BACKOFF.maxMs) }, now)).toBe(true);
  });
});

describe('planIntents', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const known = (id: number, adminState: AdminState | null, removed = false) => ({
    id,
    adminState,
    maintSource: null,
    removed,
  });
  const STATUS_OF = { ready: 'UP', drain: 'DRAIN', maint: 'MAINT' } as const;
  const answered = (
    storedId: number | undefined,
    adminState: AdminState | null,
    observed = true,
    rawStatus = adminState ? STATUS_OF[adminState] : 'DOWN'
  ) => ({ storedId, adminState, maintSource: null, observed, rawStatus });
  const intent = (desired: AdminState, o: Partial<StoredIntent> = {}): StoredIntent => ({
    desired,
    driftCause: null,
    attempts: 0,
    lastAttemptAt: null,
    ...o,
  });

  test('after a reload: drifts recorded and re-applied, agreements end drifts, changes outside adopted', () => {
    const stored = new Map([
      [1, known(1, 'drain')],
      [2, known(2, 'maint')],
      [3, known(3, 'ready')],
      [4, known(4, 'drain')],
    ]);
    const intents = new Map([
      [1, intent('drain')],
      [2, intent('maint', { driftCause: 'unknown' })],
      [4, intent('drain', { driftCause: 'reload', attempts: 2, lastAttemptAt: now })],
    ]);
    const plan = planIntents(
      [
        answered(1, 'ready'),
        answered(2, 'maint'),
        answered(3, 'ready'),
        answered(4, 'ready'),
        answered(undefined, 'drain'),
      ],
      stored,
      intents,
      { restarted: true, policy: 'reapply', now }
    );
    expect(plan).toEqual({
      adopt: [],
      drift: [
        { serverId: 1, cause: 'reload' },
        { serverId: 4, cause: 'reload' },
      ],
      clear: [2],
      // 4 was tried just now: the backoff waits.
      reapply: [1],
    });
  });

  test('the same process: a change outside is adopted; the alert policy records without re-applying', () => {
    const stored = new Map([
      [1, known(1, 'drain')],
      [2, known(2, 'ready')],
    ]);
    const plan = planIntents([answered(1, 'ready'), answered(2, 'maint')], stored, new Map([[1, intent('drain')]]), {
      restarted: false,
      policy: 'alert',
      now,
    });
    expect(plan).toEqual({
      adopt: [
        { serverId: 1, adminState: 'ready', reason: null },
        { serverId: 2, adminState: 'maint', reason: null },
      ],
      drift: [],
      clear: [],
      reapply: [],
    });
    const lost = planIntents([answered(1, 'ready')], stored, new Map([[1, intent('drain')]]), {
      restarted: true,
      policy: 'alert',
      now,
    });
    expect(lost).toMatchObject({ drift: [{ serverId: 1, cause: 'reload' }], reapply: [] });
  });

  test("a drain by HAProxy's agent-check is adopted with why; a plain drain outside has none", () => {
    const stored = new Map([
      [1, known(1, 'ready')],
      [2, known(2, 'ready')],
      [3, known(3, 'ready')],
    ]);
    const plan = planIntents(
      [answered(1, 'drain', true, 'DRAIN (agent)'), answered(2, 'drain'), answered(3, 'drain', true, 'DOWN (agent)')],
      stored,
      new Map([[1, intent('ready')]]),
      { restarted: false, policy: 'reapply', now }
    );
    expect(plan.adopt).toEqual([
      {
        serverId: 1,
        adminState: 'drain',
        reason: `drained while HAProxy's agent-check runs on it: its agent answered drain, or someone drained it at the stats socket (HAProxy shows "DRAIN (agent)" for both)`,
      },
      { serverId: 2, adminState: 'drain', reason: null },
      // Drained at the socket, and the agent-check answers down: that is health, not the drain.
      { serverId: 3, adminState: 'drain', reason: null },
    ]);
    // Never fought: nothing to re-apply over the agent-check.
    expect(plan.reapply).toEqual([]);
  });

  test('fenced servers (a command newer than the answer) and new ones decide nothing; a restored one has no past', () => {
    const stored = new Map([
      [1, known(1, 'drain')],
      [2, known(2, 'drain', true)],
    ]);
    const plan = planIntents(
      [answered(1, 'ready', false), answered(2, 'ready'), answered(undefined, 'ready')],
      stored,
      new Map([
        [1, intent('drain')],
        [2, intent('drain')],
      ]),
      { restarted: false, policy: 'reapply', now }
    );
    // 2 came back from removal ready: nothing known before it, so a lost drain is drift (unknown).
    expect(plan).toEqual({ adopt: [], drift: [{ serverId: 2, cause: 'unknown' }], clear: [], reapply: [2] });
  });
});

test('planIntents: a window whose end has come is not drift once HAProxy shows ready; still drained, it agrees', () => {
  const stored = new Map([
    [1, { id: 1, adminState: 'drain' as const, maintSource: null, removed: false }],
    [2, { id: 2, adminState: 'maint' as const, maintSource: null, removed: false }],
  ]);
  const ended = (desired: AdminState): StoredIntent => ({
    desired,
    driftCause: 'reload',
    attempts: 1,
    lastAttemptAt: null,
    windowEnded: true,
  });
  const plan = planIntents(
    [
      { storedId: 1, adminState: 'ready', maintSource: null, observed: true, rawStatus: 'UP' },
      { storedId: 2, adminState: 'maint', maintSource: null, observed: true, rawStatus: 'MAINT' },
    ],
    stored,
    new Map([
      [1, ended('drain')],
      [2, ended('maint')],
    ]),
    { restarted: true, policy: 'reapply', now: new Date() }
  );
  expect(plan).toEqual({ adopt: [], drift: [], clear: [1, 2], reapply: [] });
});
