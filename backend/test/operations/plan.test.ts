import {
  cancelNote,
  NO_PARTIAL_WEIGHTS,
  Observation,
  OperationServer,
  OperationSpec,
  operationOutcome,
  planOperation,
  progressOf,
  rampProblem,
  rampBase,
  rampWeights,
} from '../../src/domain/operation';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

const drainSpec = (over: Partial<OperationSpec> = {}): OperationSpec => ({
  action: 'drain',
  max_parallel: 2,
  deadline_s: 60,
  on_deadline: 'fail',
  then: 'maint',
  ramp: null,
  force: false,
  actor: 'token:deploy',
  source: 'orchestrator',
  reason: 'deploy 42',
  ...over,
});
const readySpec = (over: Partial<OperationSpec> = {}): OperationSpec =>
  drainSpec({ action: 'ready', deadline_s: null, then: null, ramp: { steps: [10, 50, 100], interval_s: 15 }, ...over });

const server = (position: number, over: Partial<OperationServer> = {}): OperationServer => ({
  position,
  server_id: 100 + position,
  server_name: `web-${position}`,
  backend_name: 'web',
  instance_name: 'edge-1',
  state: 'pending',
  sessions: null,
  weight: null,
  step: null,
  since: T0,
  error: null,
  note: null,
  waiting_since: null,
  deadline_at: null,
  next_step_at: null,
  failing_since: null,
  ramp_base_weight: null,
  admin_state: 'ready',
  maint_source: null,
  desired_admin_state: null,
  desired_actor: null,
  desired_set_at: null,
  ...over,
});
const up = (sessions = 0, over: Partial<Extract<Observation, { sessions: number }>> = {}): Observation => ({
  sessions,
  adminState: 'drain',
  up: true,
  weight: 100,
  initialWeight: null,
  ...over,
});
const plan = (spec: OperationSpec, servers: OperationServer[], seen: Array<[number, Observation]> = [], now = T0) =>
  planOperation(spec, servers, new Map(seen), now, 300);

describe('a drain job', () => {
  test('starts at most max_parallel servers, in order; those already active take their places', () => {
    const steps = plan(drainSpec(), [server(1), server(2), server(3)]);
    expect(steps.map((s) => s.position)).toEqual([1, 2]);
    expect(steps[0]).toMatchObject({
      commands: [{ command: 'drain' }],
      then: { state: 'draining', deadline_at: at(60) },
      refused: { state: 'waiting', waiting_since: T0 },
      failed: { state: 'failed' },
    });
    const busy = plan(drainSpec(), [server(1, { state: 'draining', sessions: 3 }), server(2), server(3)]);
    expect(busy.map((s) => s.position)).toEqual([2]);
  });

  test('a finished server frees its place for the next pending one', () => {
    const steps = plan(drainSpec({ max_parallel: 1 }), [server(1, { state: 'done' }), server(2), server(3)]);
    expect(steps.map((s) => s.position)).toEqual([2]);
  });

  test('without a deadline nothing is due; a server already drained is watched without a command; one in maint is done', () => {
    const steps = plan(drainSpec({ deadline_s: null, max_parallel: 3 }), [
      server(1),
      server(2, { admin_state: 'drain' }),
      server(3, { admin_state: 'maint' }),
    ]);
    expect(steps[0].then).toMatchObject({ state: 'draining', deadline_at: null });
    expect(steps[1]).toMatchObject({ commands: [], then: { state: 'draining' } });
    expect(steps[2]).toMatchObject({ commands: [], then: { state: 'done', note: 'already in maint' } });
  });

  test('while sessions remain it only records them (and nothing when they did not change)', () => {
    const s = server(1, { state: 'draining', sessions: 5, deadline_at: at(60) });
    expect(plan(drainSpec(), [s], [[1, up(3)]], at(10))[0]).toMatchObject({ commands: [], then: { sessions: 3 } });
    expect(plan(drainSpec(), [s], [[1, up(5)]], at(10))).toEqual([]);
    expect(plan(drainSpec(), [s], [], at(10))).toEqual([]); // not read this time
  });

  test('sessions at 0: maint (marked first, so a restart resumes it), then done; without then: done, left drained', () => {
    const s = server(1, { state: 'draining', sessions: 2, deadline_at: at(60) });
    expect(plan(drainSpec(), [s], [[1, up(0)]], at(5))[0]).toEqual({
      position: 1,
      before: { sessions: 0, state: 'maint' },
      commands: [{ command: 'maint' }],
      then: { state: 'done', error: null, note: 'drained, then maint' },
      failed: { state: 'failed' },
    });
    expect(plan(drainSpec({ then: null }), [s], [[1, up(0)]], at(5))[0]).toMatchObject({
      commands: [],
      then: { state: 'done', sessions: 0 },
    });
    // Resumed after a crash between the mark and the command.
    expect(plan(drainSpec(), [server(1, { state: 'maint' })])[0].commands).toEqual([{ command: 'maint' }]);
  });

  test.each<[OperationSpec['on_deadline'], OperationSpec['then'], unknown]>([
    [
      'fail',
      'maint',
      { commands: [], then: { state: 'failed', sessions: 4, error: '4 sessions left after 60 s: left drained' } },
    ],
    ['maint', 'maint', { before: { state: 'maint', sessions: 4 }, commands: [{ command: 'maint' }] }],
    [
      'shutdown_sessions',
      'maint',
      { commands: [{ command: 'shutdown-sessions' }, { command: 'maint' }], then: { state: 'done' } },
    ],
    ['shutdown_sessions', null, { commands: [{ command: 'shutdown-sessions' }], then: { state: 'done', sessions: 0 } }],
  ])('past its deadline with sessions left, on_deadline %s (then %s)', (onDeadline, then, expected) => {
    const s = server(1, { state: 'draining', sessions: 4, deadline_at: at(60) });
    const spec = drainSpec({ on_deadline: onDeadline, then });
    expect(plan(spec, [s], [[1, up(4)]], at(59))).toEqual([]);
    expect(plan(spec, [s], [[1, up(4)]], at(60))[0]).toMatchObject(expected as object);
  });

  test('a server held back by the budget is retried after a look at the budget, until the deadline refuses it', () => {
    const waiting = server(1, { state: 'waiting', waiting_since: T0, error: 'drain: budget' });
    expect(plan(drainSpec(), [waiting], [], at(30))[0]).toMatchObject({
      precheck: true,
      commands: [{ command: 'drain' }],
      refused: { state: 'waiting', waiting_since: T0 },
    });
    expect(plan(drainSpec(), [waiting], [], at(60))[0]).toMatchObject({ commands: [], then: { state: 'refused' } });
    // Without a deadline it waits as long as the job runs.
    expect(plan(drainSpec({ deadline_s: null }), [waiting], [], at(86_400))[0].precheck).toBe(true);
  });

  test('a waiting server keeps its place: max_parallel counts it', () => {
    const steps = plan(drainSpec({ max_parallel: 1 }), [server(1, { state: 'waiting', waiting_since: T0 }), server(2)]);
    expect(steps.map((s) => s.position)).toEqual([1]);
  });

  test('HAProxy lost the drain (a reload): drained again, through the budget; gone: failed; unreadable: said', () => {
    const s = server(1, { state: 'draining', sessions: 2, deadline_at: at(60) });
    expect(plan(drainSpec(), [s], [[1, up(2, { adminState: 'ready' })]], at(5))[0]).toMatchObject({
      commands: [{ command: 'drain' }],
      refused: { state: 'waiting' },
    });
    expect(plan(drainSpec(), [s], [[1, { gone: true }]])[0].then).toMatchObject({ state: 'failed' });
    expect(plan(drainSpec(), [s], [[1, { error: 'could not read the server: timeout' }]])[0].then).toEqual({
      error: 'could not read the server: timeout',
    });
  });

  test('a drain someone readied since (the desired state says ready) is not fought: the server fails, left ready', () => {
    const s = server(1, { state: 'draining', sessions: 2, deadline_at: at(60) });
    const readied = { ...s, desired_admin_state: 'ready' as const, desired_actor: 'grafana:alice' };
    // Still the job's drain in the desired state (a reload lost it): drained again.
    const lost = { ...s, desired_admin_state: 'drain' as const, desired_actor: 'token:deploy' };
    expect(plan(drainSpec(), [lost], [[1, up(2, { adminState: 'ready' })]], at(5))[0].commands).toEqual([
      { command: 'drain' },
    ]);
    expect(plan(drainSpec(), [readied], [[1, up(2, { adminState: 'ready' })]], at(5))[0]).toEqual({
      position: 1,
      commands: [],
      then: {
        state: 'failed',
        sessions: 2,
        error: 'set ready by grafana:alice while the job drained it: left ready',
      },
      failed: { state: 'failed' },
    });
  });

  test.each([
    ['fail', { commands: [], then: { state: 'failed' } }],
    ['maint', { commands: [{ command: 'maint' }], then: { state: 'done' } }],
    ['shutdown_sessions', { commands: [{ command: 'shutdown-sessions' }, { command: 'maint' }] }],
  ] as const)(
    'an agent that cannot answer does not hold a draining server past its deadline: on_deadline %s',
    (onDeadline, expected) => {
      const s = server(1, { state: 'draining', sessions: 2, deadline_at: at(60) });
      const spec = drainSpec({ on_deadline: onDeadline });
      const unread: Observation = { error: 'could not read the server: connection refused' };
      // Before the deadline it waits and says why; not read at all (no answer for it), it waits silently.
      expect(plan(spec, [s], [[1, unread]], at(59))[0]).toMatchObject({ commands: [], then: { error: unread.error } });
      expect(plan(spec, [s], [], at(59))).toEqual([]);
      for (const seen of [[[1, unread]], []] as Array<Array<[number, Observation]>>) {
        const [step] = plan(spec, [s], seen, at(60));
        expect(step).toMatchObject(expected);
        expect(JSON.stringify(step)).toContain('sessions unknown');
      }
      // A server gone from HAProxy fails as before, deadline or not.
      expect(plan(spec, [s], [[1, { gone: true }]], at(60))[0].then).toMatchObject({
        state: 'failed',
        error: 'the server is no longer in HAProxy',
      });
    }
  );
});

describe('a ready job', () => {
  test('without a ramp: ready, done', () => {
    expect(plan(readySpec({ ramp: null }), [server(1, { admin_state: 'maint' })])[0]).toMatchObject({
      commands: [{ command: 'ready' }],
      then: { state: 'done' },
    });
  });

  test('with a ramp: the first weight before ready, so it never rejoins at its full weight', () => {
    expect(plan(readySpec(), [server(1, { admin_state: 'maint' })])[0]).toMatchObject({
      commands: [{ command: 'weight', weight: '10%' }, { command: 'ready' }],
      then: { state: 'ramping', step: 0, next_step_at: at(15) },
    });
    expect(plan(readySpec({ ramp: { steps: [100], interval_s: 5 } }), [server(1)])[0].then).toMatchObject({
      state: 'done',
    });
  });

  test('steps once per interval, ends at 100% of the configured weight', () => {
    const ramping = (step: number, next: number) =>
      server(1, { state: 'ramping', step, next_step_at: at(next), weight: 10 });
    expect(plan(readySpec(), [ramping(0, 15)], [[1, up(0, { weight: 10 })]], at(14))).toEqual([]);
    expect(plan(readySpec(), [ramping(0, 15)], [[1, up(0, { weight: 10 })]], at(15))[0]).toMatchObject({
      commands: [{ command: 'weight', weight: '50%' }],
      then: { state: 'ramping', step: 1, next_step_at: at(30) },
    });
    expect(plan(readySpec(), [ramping(1, 30)], [[1, up(0, { weight: 50 })]], at(30))[0]).toMatchObject({
      commands: [{ command: 'weight', weight: '100%' }],
      then: { state: 'done', step: 2 },
    });
  });

  test('pauses while the server is down, and gives it a whole interval once it is back', () => {
    const ramping = server(1, { state: 'ramping', step: 0, next_step_at: at(15), weight: 10 });
    expect(plan(readySpec(), [ramping], [[1, up(0, { up: false, weight: 10 })]], at(20))[0]).toMatchObject({
      commands: [],
      then: { state: 'waiting', note: 'ramp paused: the server is down' },
    });
    const paused = server(1, { state: 'waiting', step: 0, next_step_at: at(15), weight: 10 });
    expect(plan(readySpec(), [paused], [[1, up(0, { up: false })]], at(40))).toEqual([]);
    expect(plan(readySpec(), [paused], [[1, up(0, { weight: 10 })]], at(40))[0]).toMatchObject({
      commands: [],
      then: { state: 'ramping', next_step_at: at(55) },
    });
  });
});

describe("a ramp's weights, from the configured weight the agent tells (HAProxy rounds a percentage down)", () => {
  const steps = [10, 25, 50, 100];
  const ramp = { steps, interval_s: 15 };
  const inMaint = server(1, { admin_state: 'maint' });
  const read = (initialWeight: number | null, over: Partial<Extract<Observation, { sessions: number }>> = {}) =>
    up(0, { adminState: 'maint', up: false, weight: initialWeight ?? 1, initialWeight, ...over });
  const ramping = (step: number) => server(1, { state: 'ramping', step, next_step_at: at(15), weight: 1 });

  test.each<[number | null, Array<number | string>]>([
    [1, [1, 1, 1, 1]],
    [5, [1, 1, 2, 5]],
    [10, [1, 2, 5, 10]],
    [256, [25, 64, 128, 256]],
    [0, [0, 0, 0, 0]],
    [null, ['10%', '25%', '50%', '100%']],
  ])('configured weight %p: %p', (iw, weights) => {
    expect(rampWeights(steps, rampBase(iw, null))).toEqual(weights);
  });

  test.each<[number | null, Array<number | string>]>([
    [1, [1, 1, 1, '100%']],
    [10, [1, 2, 5, '100%']],
    [0, ['10%', '25%', '50%', '100%']],
    [null, ['10%', '25%', '50%', '100%']],
  ])('a weight of %p read before the first step, the configured one unknown: %p', (guess, weights) => {
    expect(rampWeights(steps, rampBase(null, guess))).toEqual(weights);
  });

  test("an agent that does not tell the configured weight: steps from the weight read first, HAProxy's 100% last", () => {
    // The seed's protocol: a weight of 10 read in maint, no initial weight.
    const [first] = plan(readySpec({ ramp }), [inMaint], [[1, read(null, { weight: 10 })]]);
    expect(first).toMatchObject({
      commands: [{ command: 'weight', weight: 1 }, { command: 'ready' }],
      then: { state: 'ramping', step: 0, ramp_base_weight: 10 },
    });
    // Later looks read the weight the ramp set: the steps come from the weight kept with the job.
    const guessed = (step: number) => server(1, { state: 'ramping', step, next_step_at: at(15), ramp_base_weight: 10 });
    const now = (step: number) => plan(readySpec({ ramp }), [guessed(step)], [[1, up(0, { weight: 1 })]], at(15))[0];
    expect(now(0)).toMatchObject({ commands: [{ weight: 2 }], then: { state: 'ramping', step: 1 } });
    expect(now(2)).toMatchObject({ commands: [{ weight: '100%' }], then: { state: 'done', step: 3 } });
    // A weight of 1 (HAProxy's default) is never set to 10% of it, 0: the server takes traffic from the first step.
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(null, { weight: 1 })]])[0]).toMatchObject({
      commands: [{ command: 'weight', weight: 1 }, { command: 'ready' }],
      then: { state: 'ramping', step: 0, ramp_base_weight: 1 },
    });
    // Told the configured weight, nothing is kept: a reload's new weight applies.
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(10)]])[0].then).toMatchObject({ ramp_base_weight: null });
  });

  test('a weight of 1 (the default) cannot ramp: ready at once at its full weight, never at 0', () => {
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(1)]])[0]).toMatchObject({
      commands: [{ command: 'weight', weight: 1 }, { command: 'ready' }],
      then: { state: 'done', step: 3, note: 'weight 1 cannot ramp: HAProxy weights are whole numbers' },
    });
  });

  test('a weight of 10 ramps 1, 2, 5, 10 as absolute weights; a step at the weight before is skipped', () => {
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(10)]])[0]).toMatchObject({
      commands: [{ command: 'weight', weight: 1 }, { command: 'ready' }],
      then: { state: 'ramping', step: 0, next_step_at: at(15) },
    });
    const now = (step: number, iw: number) =>
      plan(readySpec({ ramp }), [ramping(step)], [[1, up(0, { initialWeight: iw })]], at(15))[0];
    expect(now(0, 10)).toMatchObject({ commands: [{ weight: 2 }], then: { state: 'ramping', step: 1 } });
    expect(now(1, 10)).toMatchObject({ commands: [{ weight: 5 }], then: { state: 'ramping', step: 2 } });
    expect(now(2, 10)).toMatchObject({ commands: [{ weight: 10 }], then: { state: 'done', step: 3 } });
    // 5: 1, 1, 2, 5: from the first step to the third.
    expect(now(0, 5)).toMatchObject({ commands: [{ weight: 2 }], then: { state: 'ramping', step: 2 } });
    // 3: 1, 1, 1, 3: from the first step to the last.
    expect(now(0, 3)).toMatchObject({ commands: [{ weight: 3 }], then: { state: 'done', step: 3 } });
  });

  test('a weight HAProxy refuses for a static algorithm: ready at the full weight instead, done, with a note', () => {
    const unramped = { state: 'done', step: 3, error: null, note: NO_PARTIAL_WEIGHTS };
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(10)]])[0].unramped).toEqual({
      commands: [{ command: 'ready' }],
      then: unramped,
    });
    // Left at 0 (the only other weight such a backend takes): its full weight first.
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(10, { weight: 0 })]])[0].unramped).toEqual({
      commands: [{ command: 'weight', weight: 10 }, { command: 'ready' }],
      then: unramped,
    });
    // The configured weight unknown: left at 0, HAProxy's 100%; left at another weight, as it is.
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(null, { weight: 0 })]])[0].unramped).toEqual({
      commands: [{ command: 'weight', weight: '100%' }, { command: 'ready' }],
      then: unramped,
    });
    expect(plan(readySpec({ ramp }), [inMaint], [[1, read(null, { weight: 7 })]])[0].unramped).toEqual({
      commands: [{ command: 'ready' }],
      then: unramped,
    });
    expect(plan(readySpec({ ramp }), [ramping(1)], [[1, up(0, { initialWeight: 10 })]], at(15))[0].unramped).toEqual({
      commands: [{ command: 'weight', weight: 10 }],
      then: unramped,
    });
    expect(plan(readySpec({ ramp }), [ramping(1)], [[1, up(0)]], at(15))[0].unramped).toEqual({
      commands: [{ command: 'weight', weight: '100%' }],
      then: unramped,
    });
  });

  test('a server to start its agent could not read waits, up to the retry window; one gone fails', () => {
    const [step] = plan(readySpec({ ramp }), [inMaint], [[1, { error: 'could not read the server: down' }]]);
    expect(step).toEqual({
      position: 1,
      commands: [],
      then: { error: 'could not read the server: down', failing_since: T0 },
      failed: { state: 'failed' },
    });
    const failing = server(1, { admin_state: 'maint', failing_since: T0, error: 'could not read the server: down' });
    expect(plan(readySpec({ ramp }), [failing], [[1, { error: 'could not read the server: down' }]], at(299))).toEqual(
      []
    );
    expect(plan(readySpec({ ramp }), [failing], [[1, { error: 'could not read the server: down' }]], at(300))).toEqual([
      expect.objectContaining({ then: { state: 'failed', error: 'could not read the server: down' } }),
    ]);
    expect(plan(readySpec({ ramp }), [inMaint], [[1, { gone: true }]])[0].then).toMatchObject({ state: 'failed' });
  });
});

describe('a ramping or paused server its agent cannot read any more', () => {
  const unread: Observation = { error: 'could not read the server: FAgent answered HTTP 500' };
  for (const state of ['ramping', 'waiting'] as const) {
    test(`${state}: tried again for the retry window, then failed, left at its weight`, () => {
      const s = server(1, { state, step: 1, weight: 5, next_step_at: at(15) });
      expect(plan(readySpec(), [s], [[1, unread]], at(20))[0].then).toEqual({
        error: unread.error,
        failing_since: at(20),
      });
      const failing = { ...s, error: unread.error, failing_since: at(20) };
      expect(plan(readySpec(), [failing], [[1, unread]], at(319))).toEqual([]);
      expect(plan(readySpec(), [failing], [[1, unread]], at(320))[0].then).toEqual({
        state: 'failed',
        error: 'its agent could not be read for 300 s: left at weight 5',
      });
      // Read again within the window: its error is over (the worker ends failing_since with it).
      expect(
        plan(readySpec(), [failing], [[1, up(0, { weight: 5, up: state === 'ramping' })]], at(300))[0].then
      ).toMatchObject({
        error: null,
      });
    });
  }

  test('a paused server read fine but down keeps pausing, however long', () => {
    const paused = server(1, { state: 'waiting', step: 1, weight: 5, next_step_at: at(15) });
    expect(plan(readySpec(), [paused], [[1, up(0, { up: false, weight: 5 })]], at(86_400))).toEqual([]);
  });
});

describe('a job as a whole', () => {
  test('succeeds when every server is done, fails saying how many failed or were refused, runs while any is not final', () => {
    expect(operationOutcome([{ state: 'done' }, { state: 'done' }])).toEqual({ state: 'succeeded', error: null });
    expect(operationOutcome([{ state: 'done' }, { state: 'failed' }, { state: 'refused' }])).toEqual({
      state: 'failed',
      error: '1 failed, 1 refused by the disruption budget of 3 servers',
    });
    expect(operationOutcome([{ state: 'done' }, { state: 'draining' }])).toBeUndefined();
  });

  test('progress by bucket', () => {
    expect(
      progressOf(
        ['pending', 'waiting', 'draining', 'maint', 'ramping', 'done', 'failed', 'refused', 'cancelled'].map(
          (state) => ({ state })
        ) as never
      )
    ).toEqual({ total: 9, pending: 1, active: 4, done: 1, failed: 1, refused: 1, cancelled: 1 });
  });

  test('a cancel says what each unfinished server was left as', () => {
    expect(cancelNote(drainSpec(), server(1))).toBe('cancelled before it started');
    expect(cancelNote(drainSpec(), server(1, { state: 'draining', sessions: 3 }))).toBe(
      'cancelled while draining: left drained with 3 sessions'
    );
    expect(cancelNote(readySpec(), server(1, { state: 'ramping', step: 1 }))).toBe(
      'cancelled mid-ramp: left ready at 50% of its configured weight'
    );
    // A step is an absolute weight, rounded from its percentage: the note says which.
    expect(cancelNote(readySpec(), server(1, { state: 'ramping', step: 0, weight: 1 }))).toBe(
      'cancelled mid-ramp: left ready at weight 1, 10% of its configured weight'
    );
  });
});

describe('a ramp', () => {
  test.each<[number[], string | undefined]>([
    [[10, 25, 50, 100], undefined],
    [[100], undefined],
    [[10, 50], 'a ramp must end at 100 (% of the configured weight)'],
    [[50, 25, 100], 'ramp steps must rise (e.g. [10, 25, 50, 100])'],
    [[10, 10, 100], 'ramp steps must rise (e.g. [10, 25, 50, 100])'],
    [[0, 100], 'ramp steps are whole percentages of the configured weight, from 1 to 100'],
    [[12.5, 100], 'ramp steps are whole percentages of the configured weight, from 1 to 100'],
    [[], 'a ramp has 1 to 20 steps'],
  ])('%p: %p', (steps, problem) => {
    expect(rampProblem({ steps, interval_s: 10 })).toBe(problem);
  });
});

describe('a server whose commands fail for a reason that may pass', () => {
  const failing = (over: Partial<OperationServer> = {}) =>
    server(1, { failing_since: T0, error: 'drain: FAgent answered HTTP 500; tried again at the next look', ...over });

  test('is planned again within the retry window, and ends failed with its last error after it', () => {
    expect(plan(drainSpec({ deadline_s: null }), [failing()], [], at(299))).toEqual([
      expect.objectContaining({ position: 1, commands: [{ command: 'drain' }] }),
    ]);
    expect(plan(drainSpec({ deadline_s: null }), [failing()], [], at(300))).toEqual([
      {
        position: 1,
        commands: [],
        then: { state: 'failed', error: 'drain: FAgent answered HTTP 500' },
        failed: { state: 'failed' },
      },
    ]);
  });

  test("never past the job's deadline_s", () => {
    expect(plan(drainSpec({ deadline_s: 60 }), [failing({ state: 'maint' })], [], at(60))).toEqual([
      expect.objectContaining({ then: { state: 'failed', error: 'drain: FAgent answered HTTP 500' } }),
    ]);
  });

  test('read fine at this look, it is not failing: planned from the read', () => {
    const draining = failing({ state: 'draining', sessions: 2 });
    expect(plan(drainSpec({ deadline_s: null }), [draining], [[1, up(2)]], at(400))).toEqual([
      expect.objectContaining({ commands: [], then: { sessions: 2, error: null } }),
    ]);
    expect(plan(drainSpec({ deadline_s: null }), [draining], [[1, { error: 'not read' }]], at(400))).toEqual([
      expect.objectContaining({ then: { state: 'failed', error: 'drain: FAgent answered HTTP 500' } }),
    ]);
  });

  test('cancelled before its first command went through, it says what was being tried', () => {
    expect(cancelNote(drainSpec(), failing())).toBe(
      'cancelled while drain was being tried again: drain: FAgent answered HTTP 500'
    );
  });
});
