import { parseShowStat, parseShowStatTable, ShowStatFormatError, splitCsvLine } from '../../src/agent/show-stat';
import { freePort, startHaproxy, startUpstream, stopAllHaproxies, TestHaproxy, Upstream } from '../support/haproxy';

/** Reorders the columns of a `show stat` text: same data, header order changed. */
function reverseColumns(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.trim() === '') {
        return line;
      }
      const isHeader = line.startsWith('# ');
      const cells = splitCsvLine(isHeader ? line.slice(2) : line).reverse();
      return `${isHeader ? '# ' : ''}${cells.join(',')}`;
    })
    .join('\n');
}

describe('parseShowStat on real HAProxy output', () => {
  let haproxy: TestHaproxy;
  let upstream: Upstream;
  let realOutput: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    const closed = await freePort();
    haproxy = await startHaproxy({
      frontends: [{ name: 'fe', bind: `127.0.0.1:${await freePort()}`, backend: 'web.front-end_v2:blue' }],
      backends: [
        {
          name: 'web.front-end_v2:blue',
          lines: ['option httpchk GET /health'],
          servers: [
            { name: 'srv-1.a_b:c', address: upstream.address, options: 'check maxconn 100' },
            { name: 'down', address: `127.0.0.1:${closed}`, options: 'check' },
            { name: 'off', address: upstream.address, options: 'disabled' },
            { name: 'plain', address: upstream.address },
            { name: 'spare', address: upstream.address, options: 'check backup weight 7' },
          ],
        },
        { name: 'empty', servers: [] },
      ],
    });
    // Wait until every checked server has been checked once, so statuses are final.
    for (;;) {
      realOutput = await haproxy.runtime('show stat');
      const checked = parseShowStat(realOutput).filter((s) => ['srv-1.a_b:c', 'down', 'spare'].includes(s.name));
      if (checked.every((s) => s.checkStatus === 'L7OK' || s.checkStatus === 'L4CON')) {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    await stopAllHaproxies();
    await upstream?.stop();
  });

  it('returns server rows only, by column name', () => {
    const stats = parseShowStat(realOutput);
    expect(stats.map((s) => `${s.backend}/${s.name}=${s.status}`)).toEqual([
      'web.front-end_v2:blue/srv-1.a_b:c=UP',
      'web.front-end_v2:blue/down=DOWN',
      'web.front-end_v2:blue/off=MAINT',
      'web.front-end_v2:blue/plain=no check',
      'web.front-end_v2:blue/spare=UP',
    ]);
    expect(parseShowStatTable(realOutput).backends).toEqual([
      { name: 'web.front-end_v2:blue', id: 3 },
      { name: 'empty', id: 4 },
    ]);
    expect(stats.map((s) => [s.backendId, s.serverId])).toEqual([1, 2, 3, 4, 5].map((sid) => [3, sid]));
    const [first, down, , plain, spare] = stats;
    expect(first).toMatchObject({
      address: upstream.address,
      weight: 1,
      sessionLimit: 100,
      backup: false,
      checkStatus: 'L7OK',
    });
    expect(down.checkStatus).toBe('L4CON');
    expect(plain).toMatchObject({ sessionLimit: null, checkStatus: null, currentSessions: 0 });
    expect(spare).toMatchObject({ backup: true, weight: 7 });
    expect(typeof first.lastChangeSeconds).toBe('number');
  });

  it('reads the same servers when the columns come in another order', () => {
    expect(parseShowStat(reverseColumns(realOutput))).toEqual(parseShowStat(realOutput));
  });
});

describe('parseShowStat edge cases', () => {
  const header = '# pxname,svname,scur,status,type,addr,check_status,';

  it('handles quoted cells and statuses with spaces', () => {
    const text = `${header}\nbe,s1,3,"UP 1/3",2,"10.0.0.1:80","L7, ""odd"""\nbe,BACKEND,3,UP,1,,,\n`;
    expect(parseShowStat(text)).toEqual([
      expect.objectContaining({
        backend: 'be',
        name: 's1',
        status: 'UP 1/3',
        currentSessions: 3,
        address: '10.0.0.1:80',
        checkStatus: 'L7, "odd"',
      }),
    ]);
  });

  it('falls back to svname when there is no type column', () => {
    const text = '# pxname,svname,status\nfe,FRONTEND,OPEN\nbe,s1,DOWN\nbe,BACKEND,DOWN\nnone,BACKEND,UP\n';
    expect(parseShowStatTable(text)).toEqual({
      backends: [
        { name: 'be', id: null },
        { name: 'none', id: null },
      ],
      servers: [expect.objectContaining({ backend: 'be', name: 's1', backendId: null, serverId: null })],
    });
  });

  it('uses the type column, so a server named BACKEND is still a server', () => {
    expect(parseShowStat(`${header}\nbe,BACKEND,0,UP,2,,,\n`).map((s) => s.name)).toEqual(['BACKEND']);
  });

  it('refuses output without the header or its key columns', () => {
    expect(() => parseShowStat('Permission denied\n')).toThrow(ShowStatFormatError);
    expect(() => parseShowStat('')).toThrow(/header/);
    expect(() => parseShowStat('# pxname,status\n')).toThrow(/svname/);
  });
});
