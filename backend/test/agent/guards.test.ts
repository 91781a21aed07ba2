import { isAuthorized } from '../../src/agent/auth';
import { setServerStateCommand, unsafeNameReason, UnsafeNameError } from '../../src/agent/command-guard';
import { interpretCommandReply } from '../../src/agent/command-reply';
import { matchRoute } from '../../src/agent/routes';

describe('unsafeNameReason', () => {
  it.each(['web', 'web.front-end_v2:blue', 'srv-1.a_b:c', 'A9', 'x'.repeat(256)])('accepts HAProxy name %s', (name) => {
    expect(unsafeNameReason(name)).toBeNull();
  });

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
    ['too long', 'x'.repeat(257)],
  ])('refuses %s', (_label, name) => {
    expect(unsafeNameReason(name)).not.toBeNull();
  });
});

describe('setServerStateCommand', () => {
  it('builds the runtime-API command', () => {
    expect(setServerStateCommand('be.x:y', 's-1', 'drain')).toBe('set server be.x:y/s-1 state drain');
  });

  it('refuses instead of escaping', () => {
    expect(() => setServerStateCommand('be', 's1\nshutdown', 'maint')).toThrow(UnsafeNameError);
    expect(() => setServerStateCommand('be;x', 's1', 'ready')).toThrow(/backend name/);
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
      route: { kind: 'command', instance: 'lb1', backend: 'web', server: 's1', state: 'drain' },
    });
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
