import { commandOutcome, isUncertain, shownApplied } from '../../src/commands/command-outcome';
import { BreakerOpenError, FagentError } from '../../src/fagent/errors';
import type { FagentServer } from '../../src/fagent/schemas';

const server = (status: string, extra: Partial<FagentServer> = {}): FagentServer => ({
  name: 's1',
  address: '',
  status,
  weight: 1,
  current_sessions: 0,
  max_sessions: 0,
  ...extra,
});

test.each<[string, Error, boolean]>([
  ['a timeout', new FagentError('timeout', 't'), true],
  ['a connection lost', new FagentError('network', 'n'), true],
  ['a garbled answer', new FagentError('invalid_answer', 'i'), true],
  ['an oversized answer', new FagentError('over_limit', 'o'), true],
  ['a 502 from something in between', new FagentError('http', 'h', 502), true],
  ['a 404 (the agent does not know the server)', new FagentError('http', 'h', 404), false],
  ['success:false (the agent said no)', new FagentError('refused', 'r'), false],
  ['success:false with a 4xx', new FagentError('refused', 'r', 409), false],
  [
    "success:false with a 5xx (the agent's 504: HAProxy's socket timed out)",
    new FagentError('refused', 'r', 504),
    true,
  ],
  ['an address refused by our policy (never sent)', new FagentError('blocked', 'b'), false],
  ['no connection (refused, no such host: never sent)', new FagentError('network', 'n', undefined, true), false],
  ['an open breaker (never sent)', new BreakerOpenError(1), false],
])('%s may hide a success: %p', (_what, err, uncertain) => {
  expect(isUncertain(err)).toBe(uncertain);
});

test.each<[string, 'drain' | 'ready' | 'maint', FagentServer, boolean | undefined]>([
  ['drain, DRAIN', 'drain', server('DRAIN'), true],
  ['drain, UP', 'drain', server('UP'), false],
  ['drain, DOWN: drained or not, HAProxy shows health first', 'drain', server('DOWN'), undefined],
  ['drain, DOWN with admin_state drain', 'drain', server('DOWN', { admin_state: 'drain' }), true],
  ['drain, DOWN with admin_state ready', 'drain', server('DOWN', { admin_state: 'ready' }), false],
  ['maint, MAINT (via b/s)', 'maint', server('MAINT (via b/s)'), true],
  ['maint, DOWN (maint would show)', 'maint', server('DOWN'), false],
  ['ready, UP 2/3', 'ready', server('UP 2/3'), true],
  ['ready, no check', 'ready', server('no check'), true],
  ['ready, DRAIN', 'ready', server('DRAIN'), false],
  ['ready, DOWN', 'ready', server('DOWN'), undefined],
  // A soft-stopping server shows NOLB whether it is drained or not.
  ['drain, NOLB', 'drain', server('NOLB'), undefined],
  ['ready, NOLB', 'ready', server('NOLB'), undefined],
  ['maint, NOLB (maint would show)', 'maint', server('NOLB'), false],
])('%s: applied %p', (_what, command, s, applied) => {
  expect(shownApplied(command, s)).toBe(applied);
});

describe('the outcome of one command', () => {
  const timeout = new FagentError('timeout', 'FAgent did not answer POST x within 300 ms');

  test('answered: success with what HAProxy shows after it (a drained server whose checks fail is DOWN)', () => {
    expect(commandOutcome('drain', { ok: true }, { server: server('DOWN') })).toEqual({
      result: 'success',
      statusAfter: 'DOWN',
      raw: 'DOWN',
      error: null,
      note: null,
      shown: server('DOWN'),
    });
  });

  test('answered but not read back: success, the usual status assumed, and said so', () => {
    expect(commandOutcome('maint', { ok: true }, { error: new Error('read failed') })).toMatchObject({
      result: 'success',
      statusAfter: 'MAINT',
      note: "HAProxy's state could not be read after the command (read failed): MAINT assumed until the next sync",
    });
  });

  test('refused for sure: failure, nothing read', () => {
    const refused = new FagentError('refused', 'no');
    expect(commandOutcome('drain', { ok: false, error: refused, uncertain: false }, undefined)).toEqual({
      result: 'failure',
      statusAfter: null,
      raw: null,
      error: refused,
      note: null,
    });
  });

  test.each<[string, Parameters<typeof commandOutcome>[2], string, string | null, RegExp]>([
    ['HAProxy shows it applied', { server: server('DRAIN') }, 'success', 'DRAIN', /shows "DRAIN": applied$/],
    ['HAProxy shows it not applied', { server: server('UP') }, 'failure', 'UP', /^HAProxy shows "UP": not applied$/],
    ['HAProxy cannot tell', { server: server('DOWN') }, 'unknown', 'DOWN', /cannot tell whether drain was applied/],
    [
      'HAProxy shows a soft-stopping server (NOLB, drained or not)',
      { server: server('NOLB') },
      'unknown',
      'NOLB',
      /cannot tell whether drain was applied/,
    ],
    ['the state cannot be read', { error: new Error('hang') }, 'unknown', null, /could not be read \(hang\)/],
    ['the server is no longer listed', { missing: 'server' }, 'unknown', null, /no longer lists the server/],
  ])('a timeout, then %s', (_what, read, result, statusAfter, note) => {
    const o = commandOutcome('drain', { ok: false, error: timeout, uncertain: true }, read);
    expect(o).toMatchObject({ result, statusAfter, error: result === 'success' ? null : timeout });
    expect(o.note).toMatch(note);
  });
});

describe('a command HAProxy took but another maintenance outranks', () => {
  test.each<[string, 'drain' | 'ready' | 'maint', FagentServer, RegExp | null]>([
    [
      'ready while the tracked server is in maint (seed agent: the status says it)',
      'ready',
      server('MAINT (via web/a)'),
      /^HAProxy took ready, but shows "MAINT \(via web\/a\)": the server it tracks is in maintenance; ready shows when that ends$/,
    ],
    [
      'drain while the address does not resolve (extended agent)',
      'drain',
      server('MAINT (resolution)', { admin_state: 'maint', maint_source: 'resolution' }),
      /^HAProxy took drain, but shows "MAINT \(resolution\)": its address does not resolve; drain shows when that ends$/,
    ],
    ['ready that still shows DRAIN', 'ready', server('DRAIN'), /^HAProxy took ready, but shows "DRAIN"$/],
    [
      "ready that HAProxy's agent-check drains again",
      'ready',
      server('DRAIN (agent)'),
      /^HAProxy took ready, but shows "DRAIN \(agent\)": its agent-check answers drain; ready shows when that ends$/,
    ],
    [
      'ready that still shows DRAIN on a server that tracks another: that one is drained',
      'ready',
      server('DRAIN', { admin_state: 'drain', tracks: 'web/a' }),
      /^HAProxy took ready, but shows "DRAIN": the server it tracks \(web\/a\) is drained; ready shows when that ends$/,
    ],
    [
      'ready in an inherited maintenance, the tracked server named by the agent',
      'ready',
      server('MAINT (via web/a)', { admin_state: 'maint', maint_source: 'inherited', tracks: 'web/a' }),
      /^HAProxy took ready, but shows "MAINT \(via web\/a\)": the server it tracks \(web\/a\) is in maintenance;/,
    ],
    ['ready that shows UP: nothing to say', 'ready', server('UP'), null],
    ['drain on a DOWN server (cannot tell): nothing to say', 'drain', server('DOWN'), null],
    ['drain on a soft-stopping server (NOLB, cannot tell): nothing to say', 'drain', server('NOLB'), null],
  ])('%s', (_what, command, shown, note) => {
    const outcome = commandOutcome(command, { ok: true }, { server: shown });
    expect(outcome.result).toBe('success');
    if (note) {
      expect(outcome.note).toMatch(note);
    } else {
      expect(outcome.note).toBeNull();
    }
  });

  test('a weight or shutdown-sessions gets no such note', () => {
    expect(commandOutcome('weight', { ok: true }, { server: server('MAINT (resolution)') }, 5).note).toBeNull();
  });
});
