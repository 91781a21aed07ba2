import { globProblem, literalExpansion, MAX_GLOB_LENGTH, MAX_GLOB_NAMES, nameFilter } from '../../src/domain/glob';
import { matchSql } from '../../src/store/sql';
import { backendsInScope } from '../../src/sync/sync-store';
import { createTestDatabase, TestDatabase } from '../support/db';
import { insertInstance } from '../support/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Which of `names` a filter of these values takes in, as PostgreSQL decides it for every glob of the service. */
async function matching(values: string[], names: string[]): Promise<string[]> {
  const params: unknown[] = [names];
  const rows = await db.pool.query<{ name: string }>(
    `SELECT name FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n)
      WHERE ${matchSql(nameFilter(values), null, 'name', params)} ORDER BY n`,
    params
  );
  return rows.map((r) => r.name);
}

describe('the glob dialect (picomatch), matched by PostgreSQL', () => {
  test.each([
    ['shop', ['shop'], ['shop2', 'Shop']],
    ['shop*', ['shop', 'shop-eu'], ['eshop']],
    ['web-?', ['web-1'], ['web-10']],
    ['{a,b.c}', ['a', 'b.c'], ['bxc', 'a,b.c']],
    ['s[12]', ['s1', 's2'], ['s3']],
    ['s[!12]', ['s3'], ['s1']],
    ['web-{1..3}', ['web-1', 'web-3'], ['web-4']],
    ['a.b+(c)$', ['a.b+(c)$'], ['aXb+(c)$']],
    ['{open', ['{open'], ['open']],
    ['lb-*/edge-*', ['lb-a/edge-1'], ['lb-a/x/edge-1', 'edge-1']],
    ['*\\\\b', ['x\\b'], ['xb']],
    ['\\1', ['\\1'], ['1']], // not a glob: a name matched exactly
    // Escaped glob characters alone: the name with those characters, not a pattern, nor the text with its backslash.
    ['web\\*', ['web*'], ['webx', 'web', 'web\\x']],
    ['a\\[b\\]\\?', ['a[b]?'], ['ab', 'a[b]x']],
  ])('%s', async (glob, match, miss) => {
    expect(await matching([glob], [...match, ...miss])).toEqual(match);
  });

  test('a filter of several values takes in what any of them matches', async () => {
    expect(
      await matching(
        ['api', 'web_*', 'shop-[ab]'],
        ['api', 'web_1', 'web_', 'shop-a', 'apix', 'xweb_1', 'shop-c', 'API']
      )
    ).toEqual(['api', 'web_1', 'web_', 'shop-a']);
  });

  test('a hostile pattern against a long name answers at once: PostgreSQL does not backtrack', async () => {
    // In V8 this expression takes minutes against a name of a few hundred characters.
    const hostile = `${'*a'.repeat(40)}*b`;
    expect(hostile.length).toBeLessThanOrEqual(MAX_GLOB_LENGTH);
    expect(await matching([hostile], ['a'.repeat(10_000), `${'a'.repeat(100)}b`])).toEqual([`${'a'.repeat(100)}b`]);
  }, 30_000);

  test('what cannot be a glob is refused with a reason', () => {
    expect(globProblem('x'.repeat(MAX_GLOB_LENGTH))).toBeUndefined();
    expect(globProblem('x'.repeat(MAX_GLOB_LENGTH + 1))).toBe(`must be at most ${MAX_GLOB_LENGTH} characters`);
    expect(globProblem('web-{..}')).toMatch(/empty range/);
    expect(globProblem('web-[z-a]')).toBe('matches no name (a range backwards, as [z-a], or another invalid pattern)');
    expect(globProblem('web-[a-z]')).toBeUndefined();
  });

  test.each(['?\\1', '*\\w', 'a\\2*', '\\m*', '*\\y', '\\\\\\Z?'])(
    '%s: a backslash before a letter or digit is refused (a regex escape in picomatch and PostgreSQL)',
    async (glob) => {
      expect(globProblem(glob)).toMatch(/may escape only punctuation/);
      expect(() => nameFilter([glob])).toThrow(/may escape only punctuation/);
    }
  );
});

describe('a glob of literal alternatives (a multi-value variable) is a list of exact names', () => {
  // As the data source sends 60 selected servers: far longer than a pattern may be.
  const selected = Array.from({ length: 60 }, (_, i) => `web-frontend-eu-west-${i}`);
  const multi = `{${selected.join(',')}}`;

  test('any length: each alternative matches exactly, nothing else does', async () => {
    expect(multi.length).toBeGreaterThan(MAX_GLOB_LENGTH);
    expect(globProblem(multi)).toBeUndefined();
    const names = [...selected, 'web-frontend-eu-west-60', 'web-frontend-eu-west-1x'];
    expect(await matching([multi], names)).toEqual(selected);
  });

  test('escapes are the characters themselves; literal text around a group prefixes each name', async () => {
    expect(literalExpansion('{Shop\\, EU,a\\*b\\\\c}')).toEqual(['Shop, EU', 'a*b\\c']);
    expect(literalExpansion('web-{a,b}-{1,2}')).toEqual(['web-a-1', 'web-a-2', 'web-b-1', 'web-b-2']);
    expect(await matching(['{Shop\\, EU,api}'], ['Shop, EU', 'Shop', ' EU', 'api'])).toEqual(['Shop, EU', 'api']);
  });

  test.each(['{a,b*}', '{a,{b,c}}', '{1..3}', '{a}', 'a,b', '{a,b', 'a}', '{a,[bc]}', '{a,b}?', '{a,b\\'])(
    '%s is not expanded (a pattern, or not an alternation)',
    (glob) => {
      expect(literalExpansion(glob)).toBeUndefined();
    }
  );

  test('patterns stay bounded: a long glob with a pattern, or one of too many names, is refused', () => {
    expect(globProblem(`${multi}*`)).toBe(`must be at most ${MAX_GLOB_LENGTH} characters`);
    const tooMany = `{${Array.from({ length: MAX_GLOB_NAMES + 1 }, (_, i) => `s${i}`).join(',')}}`;
    expect(literalExpansion(tooMany)).toBeUndefined();
    expect(globProblem(tooMany)).toBe(`must be at most ${MAX_GLOB_LENGTH} characters`);
  });
});

describe('selective polling scope', () => {
  test('names match exactly, globs by pattern; listed and stored backends alike', async () => {
    const { instanceId } = await insertInstance(db.ds, 'http://127.0.0.1:1', 'scoped');
    await db.ds.query(
      `INSERT INTO haproxy_backends (instance_id, backend_name) VALUES ($1, 'web_stored'), ($1, 'other')`,
      [instanceId]
    );
    const inScope = await backendsInScope(
      db.pool,
      instanceId,
      ['api', 'web_*', 'shop-[ab]'],
      ['api', 'web_1', 'shop-a', 'apix', 'xweb_1', 'shop-c', 'API']
    );
    expect([...inScope].sort()).toEqual(['api', 'shop-a', 'web_1', 'web_stored']);
  });
});
