import { unstorable, unstorableAt } from '../../src/api/storable-text';
import { expectError, useHarness } from './helpers';

/** Text PostgreSQL cannot store, found anywhere in a query or body, however deep. */
const h = useHarness();

test('NUL and lone surrogates are unstorable; other text, pairs included, is not', () => {
  expect(unstorable('a\u0000')).toMatch(/NUL/);
  expect(unstorable('\ud800x')).toMatch(/lone UTF-16 surrogate/);
  expect(unstorable('x\udc00')).toMatch(/lone UTF-16 surrogate/);
  expect(unstorable('💥 é \t')).toBeUndefined();
});

test('the first unstorable string is named by its path, keys included', () => {
  expect(unstorableAt({ a: ['ok', { b: 'x\u0000' }], c: '\ud800' })).toBe(
    'a.1.b: must not contain NUL characters (\\u0000)'
  );
  expect(unstorableAt({ ok: 1, ['k\u0000']: 2 })).toBe('(a key): must not contain NUL characters (\\u0000)');
  expect(unstorableAt('\u0000')).toBe('body: must not contain NUL characters (\\u0000)');
  expect(unstorableAt({ a: [1, true, null, 'fine'] })).toBeUndefined();
});

const deep = (inner: unknown, depth: number): unknown => {
  let v = inner;
  for (let i = 0; i < depth; i++) {
    v = [v];
  }
  return v;
};

test('a value nested deeper than the call stack goes is looked through all the same', () => {
  expect(unstorableAt(deep('a\u0000', 300_000))).toBe(`…${'.0'.repeat(12)}: must not contain NUL characters (\\u0000)`);
  expect(unstorableAt(deep('fine', 300_000))).toBeUndefined();
});

test('a body of 200,000 nested arrays is a 400, with a NUL at the bottom or without', async () => {
  const text = (inner: string) => '['.repeat(200_000) + inner + ']'.repeat(200_000);
  for (const [method, path] of [
    ['POST', '/api/haproxy/query'],
    ['POST', '/api/hosts'],
    ['PATCH', '/api/haproxy/instances/1'],
  ]) {
    const nul = await h.t.call(method, path, { body: text('"\\u0000"') });
    expectError(nul, 400, 'bad_request');
    expect(nul.body.error.message).toMatch(/NUL/);
    expectError(await h.t.call(method, path, { body: text('1') }), 400, 'bad_request');
  }
});
