import { AnswerProblem } from '../../src/fagent/errors';
import { JsonBudget } from '../../src/fagent/json-budget';
import {
  parseBackendsAnswer,
  parseCommandAnswer,
  parseInfoAnswer,
  parseServersAnswer,
  parseStateAnswer,
} from '../../src/fagent/schemas';

const limits = { maxServersPerBackend: 3, maxBackends: 2 };
const srv = (over: Record<string, unknown> = {}) => ({
  name: 'w1',
  status: 'UP',
  weight: 1,
  current_sessions: 0,
  ...over,
});
const servers = (...list: unknown[]) => parseServersAnswer({ success: true, servers: list }, limits);
const problem = (f: () => unknown): AnswerProblem => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AnswerProblem);
    return err as AnswerProblem;
  }
  throw new Error('expected an AnswerProblem');
};

describe('servers', () => {
  test('the seed’s fields, with address and max_sessions defaulted, extras typed, unknown fields dropped', () => {
    expect(servers(srv({ address: null, future: { x: 1 } }))[0]).toEqual({
      name: 'w1',
      address: '',
      status: 'UP',
      weight: 1,
      current_sessions: 0,
      max_sessions: 0,
    });
    const full = srv({
      address: '10.0.0.1:80',
      max_sessions: 100,
      session_limit: null,
      max_sessions_observed: 4,
      check_status: 'L4OK',
      last_change_seconds: 12,
      backup: true,
      id: 7,
      admin_state: 'drain',
      maint_source: null,
      operational_state: 'stopping',
      initial_weight: 100,
    });
    expect(servers(full)[0]).toEqual(full);
  });

  test.each([
    [{ name: '' }, 'servers[0].name: must be 1 to 2000 characters long, is 0'],
    [{ name: 'x'.repeat(2001) }, 'servers[0].name: must be 1 to 2000 characters long, is 2001'],
    // Counted in bytes: what PostgreSQL's indexes hold.
    [{ name: 'я'.repeat(1001) }, 'servers[0].name: must be at most 2000 bytes long in UTF-8, is 2002'],
    [{ address: 'a'.repeat(1025) }, 'servers[0].address: must be 0 to 1024 characters long, is 1025'],
    [{ name: 'a\u0000b' }, 'servers[0].name: contains a control character (U+0000) at position 1'],
    [{ name: 'a\u009fb' }, 'servers[0].name: contains a control character (U+009F)'],
    [{ name: 5 }, 'servers[0].name: must be a string, got a number'],
    [{ status: 'UP\n' }, 'servers[0].status: contains a control character (U+000A)'],
    // Half a surrogate pair: PostgreSQL would store U+FFFD, a name the agent never sends.
    [{ name: 'w\ud800x' }, 'servers[0].name: contains half of a UTF-16 surrogate pair (U+D800) at position 1'],
    [{ name: 'w\udc00' }, 'servers[0].name: contains half of a UTF-16 surrogate pair (U+DC00) at position 1'],
    [{ name: 'w\ud83d' }, 'servers[0].name: contains half of a UTF-16 surrogate pair (U+D83D) at position 1'],
    [
      { address: '\udc00\ud800' },
      'servers[0].address: contains half of a UTF-16 surrogate pair (U+DC00) at position 0',
    ],
    [{ address: ['x'] }, 'servers[0].address: must be a string, got an array'],
    [{ weight: '1' }, 'servers[0].weight: must be a number, got a string'],
    [{ weight: -1 }, 'servers[0].weight: must be an integer from 0 to 2147483647'],
    [{ weight: 1.5 }, 'servers[0].weight: must be an integer'],
    [{ current_sessions: 2_147_483_648 }, 'servers[0].current_sessions: must be an integer from 0 to 2147483647'],
    [{ current_sessions: undefined }, 'servers[0].current_sessions: must be a number, got nothing'],
    [{ backup: 'yes' }, 'servers[0].backup: must be true or false, got a string'],
    [{ admin_state: 1 }, 'servers[0].admin_state: must be a string, got a number'],
    [{ id: -3 }, 'servers[0].id: must be an integer'],
    [{ check_status: {} }, 'servers[0].check_status: must be a string, got an object'],
  ])('%j is refused: %s', (over, message) => {
    const p = problem(() => servers(srv(over)));
    expect(p.kind).toBe('invalid_answer');
    expect(p.message).toContain(message);
  });

  test('names as long as HAProxy takes them: 2000 bytes, also in multi-byte characters', () => {
    for (const long of ['s'.repeat(2000), 'я'.repeat(1000), 'x'.repeat(300), '🚀'.repeat(500)]) {
      expect(servers(srv({ name: long }))[0].name).toBe(long);
    }
    expect(parseBackendsAnswer({ success: true, backends: ['b'.repeat(2000)] }, limits)).toEqual(['b'.repeat(2000)]);
  });

  test('the position of a bad server is named', () => {
    expect(problem(() => servers(srv(), srv(), srv({ weight: null }))).message).toContain('servers[2].weight');
  });

  test('unknown enum values read as absent; null maint_source means not in maintenance', () => {
    const [s] = servers(srv({ admin_state: 'soft-stop', operational_state: 'x', maint_source: 'moon' }));
    expect(s).toMatchObject({ admin_state: undefined, operational_state: undefined, maint_source: undefined });
    expect(servers(srv({ maint_source: null }))[0].maint_source).toBeNull();
  });

  test("tracks: an empty string (HAProxy's empty `tracked` column) tracks none, as null does", () => {
    expect(servers(srv({ tracks: '' }))[0].tracks).toBeNull();
    expect(servers(srv({ tracks: 'be/s1' }))[0].tracks).toBe('be/s1');
    expect(problem(() => servers(srv({ tracks: 'x' }))).message).toContain('servers[0].tracks');
  });

  test('more servers than the limit is over_limit', () => {
    const p = problem(() => servers(srv(), srv(), srv(), srv()));
    expect(p.kind).toBe('over_limit');
    expect(p.message).toBe('lists 4 servers in one backend, more than HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND (3)');
  });

  test('the answer must be a success with a list', () => {
    expect(problem(() => parseServersAnswer({ success: true }, limits)).message).toContain(
      'at servers: must be an array, got nothing'
    );
    expect(problem(() => parseServersAnswer({ servers: [] }, limits)).message).toContain('at success: must be true');
    expect(problem(() => parseServersAnswer([], limits)).message).toContain(
      'at (root): must be an object, got an array'
    );
  });
});

test('backends: names checked, count limited', () => {
  expect(parseBackendsAnswer({ success: true, backends: ['web', '..'] }, limits)).toEqual(['web', '..']);
  expect(problem(() => parseBackendsAnswer({ success: true, backends: ['a', null] }, limits)).message).toContain(
    'at backends[1]: must be a string, got null'
  );
  expect(problem(() => parseBackendsAnswer({ success: true, backends: ['a', 'b', 'c'] }, limits)).kind).toBe(
    'over_limit'
  );
});

describe('info and state', () => {
  const info = { version: '2.6.12', pid: 42, started_at: '2026-12-01T12:00:00Z', uptime_s: 5 };

  test('info is checked field by field', () => {
    expect(parseInfoAnswer({ success: true, ...info, extra: 1 })).toEqual(info);
    expect(problem(() => parseInfoAnswer({ success: true, ...info, started_at: 'yesterday' })).message).toContain(
      'at started_at: must be an ISO 8601 UTC time'
    );
    expect(
      problem(() => parseInfoAnswer({ success: true, ...info, started_at: '2026-13-45T99:00:00Z' })).message
    ).toContain('started_at');
    expect(problem(() => parseInfoAnswer({ success: true, ...info, pid: '42' })).message).toContain('at pid');
    expect(problem(() => parseInfoAnswer({ success: true, ...info, pid: 4.2 })).message).toContain('at pid');
    expect(parseInfoAnswer({ success: true, ...info, uptime_s: 5.9 }).uptime_s).toBe(5);
    expect(problem(() => parseInfoAnswer({ success: true, ...info, uptime_s: -1 })).message).toContain('at uptime_s');
    expect(problem(() => parseInfoAnswer({ success: true, ...info, uptime_s: Infinity })).message).toContain(
      'uptime_s'
    );
  });

  /** parseStateAnswer with a backend's problem as its plain message. */
  const state = (v: unknown) => parseStateAnswer(v, limits, (p) => p.message);

  test('state: backends with their servers, zero-server ones included; a problem names its full path', () => {
    const answer = {
      success: true,
      info,
      backends: [
        { name: 'web', servers: [srv()] },
        { name: 'empty', servers: [] },
      ],
    };
    expect(state(answer)).toEqual({
      info,
      backends: [
        { name: 'web', servers: [expect.objectContaining({ name: 'w1' })] },
        { name: 'empty', servers: [] },
      ],
    });
    expect(problem(() => state({ ...answer, backends: [{ servers: [] }] })).message).toContain('at backends[0].name');
    expect(problem(() => state({ ...answer, backends: ['web'] })).message).toContain(
      'at backends[0]: must be an object'
    );
    const many = { ...answer, backends: [answer.backends[0], answer.backends[1], { name: 'x', servers: [] }] };
    expect(problem(() => state(many)).kind).toBe('over_limit');
  });

  test('state: a backend whose servers are wrong fails alone, named, its servers empty', () => {
    const web = { name: 'web', servers: [srv(), srv({ weight: 'x' })] };
    const answer = { success: true, info, backends: [{ name: 'empty', servers: [] }, web] };
    expect(state(answer).backends).toEqual([
      { name: 'empty', servers: [] },
      { name: 'web', servers: [], error: expect.stringContaining('at backends[1].servers[1].weight') },
    ]);
    const odd = (servers: unknown) => state({ ...answer, backends: [{ name: 'web', servers }] }).backends[0];
    expect(odd(null).error).toContain('at backends[0].servers: must be an array, got null');
    expect(odd([srv(), srv(), srv(), srv()]).error).toContain('lists 4 servers in one backend');
  });

  test('state: a wrong or missing info leaves the process unknown, named; the backends still count', () => {
    const answer = { success: true, info, backends: [{ name: 'web', servers: [srv()] }] };
    const backends = [{ name: 'web', servers: [expect.objectContaining({ name: 'w1' })] }];
    expect(state({ ...answer, info: null })).toEqual({
      infoError: 'has the wrong shape at info: must be an object, got null',
      backends,
    });
    expect(state({ ...answer, info: undefined })).toEqual({
      infoError: 'has the wrong shape at info: must be an object, got nothing',
      backends,
    });
    expect(state({ ...answer, info: { ...info, pid: -1 } }).infoError).toContain('at info.pid');
  });
});

test('command answers: success, and the weight after when given', () => {
  expect(parseCommandAnswer({ success: true, message: 'ok' })).toEqual({ weight: undefined });
  expect(parseCommandAnswer({ success: true, weight: 50 })).toEqual({ weight: 50 });
  expect(problem(() => parseCommandAnswer({ success: true, weight: '50' })).message).toContain('at weight');
  expect(problem(() => parseCommandAnswer({ success: 'true' })).message).toContain('at success');
});

describe('the JSON budget', () => {
  const feed = (budget: JsonBudget, text: string) => budget.feed(Buffer.from(text));

  test('counts objects, arrays and values outside strings only, across chunks', () => {
    const budget = new JsonBudget(64 * 4, 0); // 4 containers, 16 values; counted from the first byte
    // Brackets, commas and escaped quotes inside strings do not count, even split between chunks.
    feed(budget, '{"a":"[[[{{{,,,\\"');
    feed(budget, ',,,[[[","b":[1,2,3]');
    feed(budget, ',"c":"\\\\"}');
    feed(budget, ',[],[]'); // 4 containers: still within
    expect(() => feed(budget, ',[]')).toThrow('holds more than 4 JSON objects and arrays');
  });

  test('values over one per 16 bytes of the limit are refused', () => {
    const budget = new JsonBudget(160, 0); // 10 values
    feed(budget, '[1,2,3,4,5,6,7,8,9');
    expect(() => feed(budget, ',10,11')).toThrow('holds more than 10 JSON values');
  });

  test('counting starts past its threshold, and then counts what came before', () => {
    const budget = new JsonBudget(64 * 4, 10); // 4 containers; counts from the 11th byte on
    feed(budget, '[{},{},{},');
    expect(() => feed(budget, '{}]')).toThrow('holds more than 4 JSON objects and arrays');
    expect(() => feed(new JsonBudget(64 * 4, 100), '[{},{},{},{},{},{}]')).not.toThrow();
  });

  test('an escape split between chunks is still skipped', () => {
    const budget = new JsonBudget(64 * 1, 0); // 1 container
    feed(budget, '["a\\');
    feed(budget, '"[[[", "\\');
    feed(budget, '\\"]');
    expect(() => feed(budget, ',[')).toThrow('holds more than 1 JSON objects');
  });

  test('nesting deeper than 32 levels is refused as soon as it is seen', () => {
    expect(() => feed(new JsonBudget(1 << 20, 0), '['.repeat(32))).not.toThrow();
    expect(() => feed(new JsonBudget(1 << 20, 0), '['.repeat(33))).toThrow('nests JSON deeper than 32 levels');
  });
});
