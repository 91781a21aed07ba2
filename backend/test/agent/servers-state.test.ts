import { adminStateOf, parseServersState, ServersStateFormatError, SRV_ADMF } from '../../src/agent/servers-state';
import { capturedSnapshot, WEB } from './captured';

const { state: lbState } = capturedSnapshot('lb');

/** Reverses the columns of a `show servers state` text: same data, header order changed. */
function reverseColumns(text: string): string {
  const [version, header, ...rows] = text.split('\n');
  const reverse = (line: string) => line.trim().split(/\s+/).reverse().join(' ');
  return [version, `# ${reverse(header.slice(2))}`, ...rows.map((r) => (r.trim() ? reverse(r) : r))].join('\n');
}

describe('parseServersState on real HAProxy 2.6 output', () => {
  it('reads admin state, its source, operational state and both weights of every server', () => {
    const rows = parseServersState(lbState);
    expect(
      Object.fromEntries(
        rows.map((r) => [
          `${r.backend}/${r.server}`,
          [r.adminState, r.maintSource, r.operationalState, r.weight, r.initialWeight],
        ])
      )
    ).toEqual({
      [`${WEB}/srv-1.a_b:c`]: ['ready', null, 'up', 1, 1],
      [`${WEB}/down`]: ['ready', null, 'down', 1, 1],
      [`${WEB}/off`]: ['maint', 'config', 'down', 1, 1], // `disabled` in the configuration
      [`${WEB}/plain`]: ['ready', null, 'up', 1, 1], // no check
      [`${WEB}/zero`]: ['ready', null, 'up', 0, 0], // weight 0 in the configuration: not a drain
      [`${WEB}/forced`]: ['maint', 'forced', 'down', 1, 1], // set server ... state maint
      [`${WEB}/drained-down`]: ['drain', null, 'down', 1, 1], // drained while its checks fail
      [`${WEB}/tracker`]: ['maint', 'inherited', 'down', 1, 1], // track .../off
      [`${WEB}/spare`]: ['ready', null, 'up', 7, 7],
      [`${WEB}/half`]: ['ready', null, 'up', 5, 10], // set server ... weight 50%
      [`${WEB}/was-off`]: ['ready', null, 'up', 1, 1], // disabled, then state ready: CMAINT stays set
      [`${WEB}/unresolved`]: ['maint', 'resolution', 'down', 1, 1], // init-addr none, no resolvers
      'api/a1': ['drain', null, 'up', 1, 1],
      'api/a1-follower': ['drain', 'inherited', 'up', 1, 1], // track api/a1: the drain is a1's
    });
    expect(rows.find((r) => r.server === 'was-off')?.adminFlags).toBe(SRV_ADMF.CMAINT);
    expect(rows.find((r) => r.server === 'a1-follower')?.adminFlags).toBe(SRV_ADMF.IDRAIN);
  });

  it("keeps HAProxy's ids: proxy ids count frontends too, server ids start at 1 per backend", () => {
    const ids = parseServersState(lbState).map((r) => `${r.backendId}/${r.serverId}`);
    expect(ids).toEqual([...Array.from({ length: 12 }, (_, i) => `3/${i + 1}`), '4/1', '4/2']);
  });

  it('answers no rows for a process whose only backend has no servers', () => {
    expect(parseServersState(capturedSnapshot('empty-instance').state)).toEqual([]);
  });

  it('reads columns by name: another order or more columns give the same rows', () => {
    const rows = parseServersState(lbState);
    expect(parseServersState(reverseColumns(lbState))).toEqual(rows);
    const wider = lbState
      .split('\n')
      .map((line, i) => (i === 1 ? `${line} srv_future_column` : i > 1 && line.trim() ? `${line} 42` : line))
      .join('\n');
    expect(parseServersState(wider)).toEqual(rows);
  });

  it.each([
    ['another format version', lbState.replace(/^1\n/, '2\n'), /version 2 is not supported/],
    ['an error text', 'Permission denied\n', /does not start with a format version/],
    ['no header', '1\n', /no "# be_id be_name/],
    ['a missing column', lbState.replace(' srv_iweight', ' srv_weight_renamed'), /lacks column\(s\): srv_iweight/],
    ['an unknown operational state', lbState.replace(/^(3 \S+ 1 \S+ \S+) 2 /m, '$1 9 '), /unknown srv_op_state "9"/],
    ['a non-numeric admin state', lbState.replace(/^(3 \S+ 1 \S+ \S+ 2) 0 /m, '$1 x '), /srv_admin_state "x"/],
  ])('refuses %s with a typed error', (_label, text, message) => {
    expect(() => parseServersState(text)).toThrow(ServersStateFormatError);
    expect(() => parseServersState(text)).toThrow(message);
  });
});

describe('parseServersState on older HAProxy versions', () => {
  // HAProxy 1.8's column list (srvrecord and the check/agent columns came later).
  const header18 =
    '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight ' +
    'srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state ' +
    'srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port';

  it('keeps the columns in place when 1.8 writes an empty srv_addr (a unix socket server, an unresolved one)', () => {
    const text = [
      '1',
      header18,
      '3 web 1 sock  2 0 10 10 120 1 0 2 0 0 0 0 - 0', // server /run/app.sock: no IP, so srv_addr is ""
      '3 web 2 later  0 32 1 1 120 1 0 0 0 0 0 0 app.internal 8080', // init-addr none, unresolved
      '3 web 3 ip 10.0.0.3 2 8 1 1 120 1 0 2 0 0 0 0 - 80',
      '',
    ].join('\n');
    expect(
      parseServersState(text).map((r) => [r.server, r.operationalState, r.adminState, r.maintSource, r.weight])
    ).toEqual([
      ['sock', 'up', 'ready', null, 10],
      ['later', 'down', 'maint', 'resolution', 1],
      ['ip', 'up', 'drain', null, 1],
    ]);
  });
});

describe('adminStateOf', () => {
  const { FMAINT, IMAINT, CMAINT, FDRAIN, IDRAIN, RMAINT } = SRV_ADMF;

  it.each([
    [0, 'ready', null],
    [CMAINT, 'ready', null],
    [0x40, 'ready', null], // HMAINT: the FQDN was set at runtime; not a maintenance
    [FDRAIN, 'drain', null],
    [IDRAIN, 'drain', 'inherited'], // only through track: the tracked server's drain
    [FDRAIN | IDRAIN, 'drain', null], // its own drain too
    [FMAINT, 'maint', 'forced'],
    [FMAINT | CMAINT, 'maint', 'config'],
    [IMAINT, 'maint', 'inherited'],
    [RMAINT, 'maint', 'resolution'],
    [FMAINT | FDRAIN, 'maint', 'forced'], // maint wins over drain
    [IMAINT | IDRAIN | RMAINT, 'maint', 'inherited'],
    [FMAINT | IMAINT | RMAINT, 'maint', 'forced'],
    [FMAINT | CMAINT | IMAINT, 'maint', 'config'],
    [CMAINT | FDRAIN | RMAINT, 'maint', 'resolution'],
  ])('flags %i -> %s (%s)', (flags, adminState, maintSource) => {
    expect(adminStateOf(flags)).toEqual({ adminState, maintSource });
  });
});
