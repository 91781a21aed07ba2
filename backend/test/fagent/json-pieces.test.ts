import fc from 'fast-check';
import { parseJsonBytes, PIECE_BYTES } from '../../src/fagent/json-pieces';

/**
 * A large answer is parsed in pieces (fagent/json-pieces.ts). Whatever the text, the value must be JSON.parse's,
 * keys in the same order, and a text JSON.parse refuses must fail with JSON.parse's own error.
 */

const encodingOf = (text: string) => (/^[\x00-\x7f]*$/.test(text) ? 'latin1' : 'utf8');

/** What JSON.parse makes of the text: its value, written out (keys in order), or its error. */
function outcome(parse: () => unknown): string {
  try {
    return `value ${JSON.stringify(parse())}`;
  } catch (err) {
    return `${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
}

function expectAsJsonParse(text: string, pieceBytes?: number): void {
  const bytes = Buffer.from(text, 'utf8');
  const encoding = encodingOf(text);
  expect(outcome(() => parseJsonBytes(bytes, encoding, pieceBytes))).toBe(
    outcome(() => JSON.parse(bytes.toString(encoding)))
  );
}

/** JSON texts with every kind of value, unicode and escapes, keys repeated, and whitespace between tokens. */
const documents = fc
  .tuple(
    fc.oneof(
      fc.dictionary(fc.constantFrom('a', 'b', 'name', 'servers', 'é', 'k"q', '0', '10'), fc.jsonValue(), {
        maxKeys: 8,
      }),
      fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 30 })
    ),
    fc.constantFrom(undefined, 0, 1, '\t', ' \r\n ')
  )
  .map(([value, indent]) => JSON.stringify(value, null, indent));

test('any JSON text walked in small pieces gives the value JSON.parse gives, keys in the same order', () => {
  fc.assert(
    fc.property(documents, fc.integer({ min: 2, max: 300 }), (text, pieceBytes) => {
      const bytes = Buffer.from(text, 'utf8');
      const toString = jest.spyOn(bytes, 'toString');
      const walked = outcome(() => parseJsonBytes(bytes, encodingOf(text), pieceBytes));
      // Walked, not handed whole to JSON.parse: in a valid text, only a __proto__ key may call for that.
      const whole = toString.mock.calls.filter((args) => args.length === 1).length;
      // The size is in bytes: "é" is one character of the text and two bytes of the answer.
      if (bytes.length <= pieceBytes || !text.includes('"__proto__"')) {
        expect(whole).toBe(bytes.length <= pieceBytes ? 1 : 0);
      }
      expect(walked).toBe(outcome(() => JSON.parse(text)));
    }),
    { numRuns: 600 }
  );
});

test('a text with a byte changed, added or removed fails as JSON.parse fails it, or parses as it does', () => {
  const edited = fc
    .tuple(documents, fc.nat(), fc.constantFrom('', ',', ']', '}', '"', '\\', '{', '[', ':', ' x', '1'), fc.nat(2))
    .map(([text, at, insert, remove]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + remove);
    });
  fc.assert(
    fc.property(edited, fc.integer({ min: 2, max: 100 }), (text, pieceBytes) => expectAsJsonParse(text, pieceBytes)),
    { numRuns: 1500 }
  );
});

test('keys JSON.parse treats specially: a later duplicate wins in the first place, __proto__ stays an own key', () => {
  const text = `{"a":[${'1,'.repeat(40)}1],"b":{"x":1},"a":{"y":[${'2,'.repeat(40)}2]},"__proto__":{"polluted":true},"c":3}`;
  const parsed = parseJsonBytes(Buffer.from(text), 'latin1', 16) as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual(['a', 'b', '__proto__', 'c']);
  expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual({ polluted: true });
  expect((parsed.a as { y: number[] }).y).toHaveLength(41);
  for (const key of ['"\\u0061"', '"b\\"c"']) {
    expectAsJsonParse(`{${key}:[${'3,'.repeat(50)}3],${key}:0}`, 16);
  }
});

test('nesting deeper than the walk goes is parsed whole below it', () => {
  let text = `[${'4,'.repeat(100)}4]`;
  for (let depth = 0; depth < 8; depth++) {
    text = `{"level":${depth},"inner":[${text},${text}]}`;
  }
  expectAsJsonParse(text, 64);
  expectAsJsonParse(` \n${text}\n `, 64);
  expectAsJsonParse(`${text} 1`, 64);
});

test('a /state answer of 2,000 servers is never one string: no piece passes twice PIECE_BYTES', () => {
  const server = (b: number, s: number) => ({
    name: `srv_${s}`,
    address: `10.0.${b}.${s}:8080`,
    status: s % 7 ? 'UP' : 'DOWN',
    weight: 100,
    current_sessions: s,
    max_sessions: 1000,
    admin_state: 'ready',
    operational_state: 'up',
  });
  const answer = {
    success: true,
    info: { version: '2.6.12', pid: 1, started_at: '2026-01-01T00:00:00.000Z', uptime_s: 3600 },
    // A backend of 1,500 servers is larger than a piece: it is walked too.
    backends: [
      ...Array.from({ length: 50 }, (_, b) => ({
        name: `b${b}`,
        servers: [...Array(10).keys()].map((s) => server(b, s)),
      })),
      { name: 'big', servers: [...Array(1500).keys()].map((s) => server(99, s)) },
    ],
  };
  const bytes = Buffer.from(JSON.stringify(answer));
  expect(bytes.length).toBeGreaterThan(8 * PIECE_BYTES);
  const parse = jest.spyOn(JSON, 'parse');
  try {
    expect(parseJsonBytes(bytes, 'latin1')).toEqual(answer);
    const longest = Math.max(...parse.mock.calls.map(([text]) => text.length));
    expect(longest).toBeLessThanOrEqual(2 * PIECE_BYTES);
  } finally {
    parse.mockRestore();
  }
});
