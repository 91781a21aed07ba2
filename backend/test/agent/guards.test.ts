import { isAuthorized } from '../../src/agent/auth';
import {
  getWeightCommand,
  parseWeight,
  serverCommand,
  unsafeNameReason,
  UnsafeNameError,
} from '../../src/agent/command-guard';
import { interpretCommandReply, parseWeightReply, WeightReplyError } from '../../src/agent/command-reply';
import { matchRoute } from '../../src/agent/routes';

describe('unsafeNameReason', () => {
  it.each(['web', 'web.front-end_v2:blue', 'srv-1.a_b:c', 'A9', 'x'.repeat(2000)])(
    'accepts HAProxy name %s',
    (name) => {
      expect(unsafeNameReason(name)).toBeNull();
    }
  );

  it.each([
    ['newline', 'a\nshow info'],
    ['carriage return', 'a\rb'],
    ['semicolon', 'a;shutdown sessions server b/c'],
    ['space', 'a b'],
    ['tab', 'a\tb'],
    ['slash', 'a/b'],
    ['NUL', 'a\u0000b'],
    ['escape', 'a\u001bb'],
    ['quote', 'a"b'],
    ['backslash', 'a\\b'],
    ['hash', 'a#b'],
    ['non-ASCII', 'café'],
    ['empty', ''],
    ['too long', 'x'.repeat(2001)],
  ])('refuses %s', (_label, name) => {
    expect(unsafeNameReason(name)).not.toBeNull();
  });
});

describe('serverCommand', () => {
  it('builds the runtime-API commands', () => {
    expect(serverCommand('be.x:y', 's-1', { kind: 'state', state: 'drain' })).toBe('set server be.x:y/s-1 state drain');
    expect(serverCommand('be', 's1', { kind: 'weight', weight: { unit: 'absolute', value: 0 } })).toBe(
      'set server be/s1 weight 0'
    );
    expect(serverCommand('be', 's1', { kind: 'weight', weight: { unit: 'percent', value: 50 } })).toBe(
      'set server be/s1 weight 50%'
    );
    expect(serverCommand('be', 's1', { kind: 'shutdown-sessions' })).toBe('shutdown sessions server be/s1');
    expect(getWeightCommand('be', 's1')).toBe('get weight be/s1');
  });

  it('refuses instead of escaping', () => {
    expect(() => serverCommand('be', 's1\nshutdown', { kind: 'state', state: 'maint' })).toThrow(UnsafeNameError);
    expect(() => serverCommand('be;x', 's1', { kind: 'shutdown-sessions' })).toThrow(/backend name/);
    expect(() => getWeightCommand('be', 's 1')).toThrow(/server name/);
  });

  it.each([
    { unit: 'absolute', value: 257 },
    { unit: 'absolute', value: -1 },
    { unit: 'absolute', value: 1.5 },
    { unit: 'percent', value: 101 },
    { unit: 'absolute', value: Number.NaN },
  ] as const)('refuses a weight HAProxy would not take: %p', (weight) => {
    expect(() => serverCommand('be', 's1', { kind: 'weight', weight })).toThrow(RangeError);
  });
});

describe('parseWeight', () => {
  it.each([
    [0, { unit: 'absolute', value: 0 }],
    [256, { unit: 'absolute', value: 256 }],
    ['0%', { unit: 'percent', value: 0 }],
    ['50%', { unit: 'percent', value: 50 }],
    ['100%', { unit: 'percent', value: 100 }],
  ])('accepts %p', (input, weight) => {
    expect(parseWeight(input)).toEqual({ ok: true, weight });
  });

  it.each([257, -1, 2.5, '50', '101%', '-5%', '5 %', '50%;show info', '', null, undefined, true, [50], { value: 5 }])(
    'refuses %p',
    (input) => {
      expect(parseWeight(input)).toEqual({
        ok: false,
        error: expect.stringMatching(/^weight must be an integer 0\.\.256/),
      });
    }
  );
});

describe('parseWeightReply', () => {
  it('reads the current and initial weight', () => {
    expect(parseWeightReply('5 (initial 10)\n')).toEqual({ weight: 5, initialWeight: 10 });
  });

  it('refuses anything else', () => {
    expect(() => parseWeightReply('No such server.\n')).toThrow(WeightReplyError);
  });
});

describe('interpretCommandReply', () => {
  it('treats an empty reply as success', () => {
    expect(interpretCommandReply('\n')).toEqual({ ok: true });
  });

  it('maps HAProxy refusals to HTTP statuses with its text', () => {
    expect(interpretCommandReply('No such server.\n\n')).toEqual({
      ok: false,
      httpStatus: 404,
      error: 'HAProxy: No such server.',
    });
    expect(interpretCommandReply('Permission denied\n')).toMatchObject({
      httpStatus: 502,
      error: expect.stringMatching(/level admin/),
    });
    expect(interpretCommandReply("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n")).toMatchObject({
      ok: false,
      httpStatus: 409,
    });
  });
});

describe('matchRoute', () => {
  it('matches the three FAgent path shapes', () => {
    expect(matchRoute('/api/haproxy/lb1/backends')).toEqual({
      ok: true,
      method: 'GET',
      route: { kind: 'backends', instance: 'lb1' },
    });
    expect(matchRoute('/api/haproxy/lb1/backends/web/servers?x=1')).toEqual({
      ok: true,
      method: 'GET',
      route: { kind: 'servers', instance: 'lb1', backend: 'web' },
    });
    expect(matchRoute('/api/haproxy/lb1/backends/web/servers/s1/drain')).toEqual({
      ok: true,
      method: 'POST',
      route: { kind: 'command', instance: 'lb1', backend: 'web', server: 's1', action: 'drain' },
    });
  });

  it('matches the extension: info, state, weight and shutdown-sessions', () => {
    for (const kind of ['info', 'state'] as const) {
      expect(matchRoute(`/api/haproxy/lb1/${kind}`)).toEqual({
        ok: true,
        method: 'GET',
        route: { kind, instance: 'lb1' },
      });
    }
    for (const action of ['weight', 'shutdown-sessions']) {
      expect(matchRoute(`/api/haproxy/lb1/backends/web/servers/s1/${action}`)).toMatchObject({
        ok: true,
        method: 'POST',
        route: { kind: 'command', action },
      });
    }
  });

  it('decodes each segment exactly once, after splitting', () => {
    const m = matchRoute('/api/haproxy/a%2Fb/backends/be%3Ax/servers/s%250A/maint');
    expect(m).toMatchObject({ ok: true, route: { instance: 'a/b', backend: 'be:x', server: 's%0A' } });
  });

  it('refuses broken encoding, unknown actions and other paths', () => {
    expect(matchRoute('/api/haproxy/lb1/backends/%E0%A4%A/servers')).toMatchObject({ ok: false, httpStatus: 400 });
    expect(matchRoute('/api/haproxy/lb1/backends/web/servers/s1/restart')).toMatchObject({
      ok: false,
      httpStatus: 404,
    });
    for (const path of [
      '/',
      '/api/haproxy/lb1',
      '/api/haproxy/lb1/backends/',
      '/api/haproxy/lb1/backends//servers',
      '/api/haproxy/lb1/backends/web/servers/s1/drain/x',
      '/api/haproxy/lb1/info/x',
      '/api/haproxy/lb1/status',
      '/api/haproxy/lb1/state/backends/web/servers',
    ]) {
      expect(matchRoute(path)).toMatchObject({ ok: false, httpStatus: 404 });
    }
  });
});

describe('isAuthorized', () => {
  const token = 'a-long-enough-token-123';
  it('accepts the bearer token only', () => {
    expect(isAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(isAuthorized(`bearer ${token}`, token)).toBe(true);
    expect(isAuthorized(undefined, token)).toBe(false);
    expect(isAuthorized(`Bearer ${token}x`, token)).toBe(false);
    expect(isAuthorized(`Basic ${token}`, token)).toBe(false);
    expect(isAuthorized('Bearer ', token)).toBe(false);
  });
});
