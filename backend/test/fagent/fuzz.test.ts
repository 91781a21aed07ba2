import fc from 'fast-check';
import { answerError, decodeAnswer } from '../../src/fagent/answer';
import { AnswerProblem, FagentError } from '../../src/fagent/errors';
import { JsonBudget } from '../../src/fagent/json-budget';
import {
  FagentServer,
  parseBackendsAnswer,
  parseCommandAnswer,
  parseInfoAnswer,
  parseServersAnswer,
  parseStateAnswer,
} from '../../src/fagent/schemas';
import { FakeFagent, on } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

/**
 * Whatever an agent sends, the answer parser gives a typed answer that keeps the protocol's promises, or a
 * FagentError: never another exception, and never the body echoed in a message.
 */
const limits = { maxServersPerBackend: 50, maxBackends: 20 };
const MAX_BODY = 1 << 20;
const parsers: Record<Shape, (v: unknown) => unknown> = {
  backends: (v: unknown) => parseBackendsAnswer(v, limits),
  servers: (v: unknown) => parseServersAnswer(v, limits),
  state: (v: unknown) => parseStateAnswer(v, limits, (p) => answerError('GET /fuzz', p).message),
  info: parseInfoAnswer,
  command: parseCommandAnswer,
};
type Shape = 'backends' | 'servers' | 'state' | 'info' | 'command';
const shapes = Object.keys(parsers) as Shape[];

/** The client's pipeline over one body: the streaming budget, then decoding and validation. */
function decode(shape: Shape, status: number, bytes: Uint8Array): unknown {
  try {
    new JsonBudget(MAX_BODY, 0).feed(bytes); // counted from the first byte, so the counting is fuzzed too
  } catch (err) {
    throw err instanceof AnswerProblem ? answerError('GET /fuzz', err) : err;
  }
  return decodeAnswer('GET /fuzz', status, Buffer.from(bytes), parsers[shape]);
}

// Independent of the validators: what callers may rely on in a typed answer.
const storable = (s: unknown, min = 0) =>
  typeof s === 'string' && s.length >= min && s.length <= 255 && !/[\u0000-\u001f\u007f-\u009f]/.test(s);
const int = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 2_147_483_647;
function serverKept(s: FagentServer): boolean {
  return (
    storable(s.name, 1) &&
    storable(s.address) &&
    storable(s.status) &&
    [s.weight, s.current_sessions, s.max_sessions].every(int) &&
    [s.id, s.initial_weight, s.max_sessions_observed].every((n) => n === undefined || int(n))
  );
}
function answerKept(shape: Shape, v: unknown, secret?: string): boolean {
  switch (shape) {
    case 'backends':
      return Array.isArray(v) && v.length <= limits.maxBackends && v.every((b) => storable(b, 1));
    case 'servers':
      return Array.isArray(v) && v.length <= limits.maxServersPerBackend && v.every(serverKept);
    case 'state': {
      // A backend that failed alone lists no server, and its error does not echo the answer either.
      const st = v as { backends: Array<{ name: string; servers: FagentServer[]; error?: string }> };
      return st.backends.every(
        (b) =>
          storable(b.name, 1) &&
          (b.error === undefined
            ? b.servers.every(serverKept)
            : b.servers.length === 0 && (secret === undefined || !b.error.includes(secret)))
      );
    }
    default:
      return typeof v === 'object' && v !== null;
  }
}

function check(shape: Shape, status: number, bytes: Uint8Array, secret?: string): boolean {
  try {
    return answerKept(shape, decode(shape, status, bytes), secret);
  } catch (err) {
    if (!(err instanceof FagentError)) {
      throw err;
    }
    // Only a refusal carries text of the agent's, and only its reason.
    return secret === undefined || err.kind === 'refused' || !err.message.includes(secret);
  }
}

const status = fc.oneof(fc.constant(200), fc.integer({ min: 100, max: 599 }));
const utf8 = (v: unknown) => Buffer.from(JSON.stringify(v) ?? '', 'utf8');

test('any JSON value, as any answer', () => {
  fc.assert(
    fc.property(fc.constantFrom(...shapes), status, fc.jsonValue(), (shape, st, v) => check(shape, st, utf8(v))),
    { numRuns: 3000 }
  );
});

test('any byte string, as any answer', () => {
  fc.assert(
    fc.property(fc.constantFrom(...shapes), status, fc.uint8Array({ maxLength: 2000 }), (shape, st, bytes) =>
      check(shape, st, bytes)
    ),
    { numRuns: 3000 }
  );
});

// Near-valid answers reach every field check: each field is either right or anything at all.
const SECRET = 'ZQXsecretZQX';
const either = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 3, arbitrary: good },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.constant(null) }
  );
const marked = fc.string({ maxLength: 300, unit: 'binary' }).map((s) => `${SECRET}${s}`);
const server = fc.record(
  {
    name: either(marked),
    address: either(fc.string()),
    status: either(fc.constantFrom('UP', 'DOWN 1/3', 'MAINT (via b/s)', 'no check', '')),
    weight: either(fc.integer({ min: -5, max: 300 })),
    current_sessions: either(fc.oneof(fc.nat(), fc.double())),
    max_sessions: either(fc.nat()),
    id: either(fc.integer()),
    admin_state: either(fc.constantFrom('ready', 'drain', 'maint', 'other')),
    maint_source: either(fc.constantFrom('config', 'forced', 'inherited', 'resolution', 'other')),
    operational_state: either(fc.constantFrom('up', 'down', 'starting', 'stopping')),
    initial_weight: either(fc.nat()),
    backup: either(fc.boolean()),
  },
  { requiredKeys: [] }
);
const servers = fc.array(server, { maxLength: 60 });
const info = fc.record({
  version: either(marked),
  pid: either(fc.nat()),
  started_at: either(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  uptime_s: either(fc.nat()),
});
const nearValid: Record<Shape, fc.Arbitrary<unknown>> = {
  backends: fc.record({
    success: either(fc.constant(true)),
    backends: either(fc.array(either(marked), { maxLength: 25 })),
  }),
  servers: fc.record({ success: either(fc.constant(true)), servers: either(servers) }),
  state: fc.record({
    success: either(fc.constant(true)),
    info: either(info),
    backends: either(fc.array(fc.record({ name: either(marked), servers: either(servers) }), { maxLength: 25 })),
  }),
  info: info.map((i) => ({ success: true, ...i })),
  command: fc.record({ success: either(fc.constant(true)), weight: either(fc.nat(256)), error: either(marked) }),
};

test.each(shapes)('near-valid %s answers: typed, or an error that does not echo them', (shape) => {
  fc.assert(
    fc.property(status, nearValid[shape], (st, v) => check(shape, st, utf8(v), SECRET)),
    { numRuns: 1500 }
  );
});

test('through the real client: any bytes over HTTP give a typed answer or a FagentError', async () => {
  const agent = await new FakeFagent().start();
  agent.setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);
  const client = testClient({ maxBodyBytes: MAX_BODY, maxServersPerBackend: 50 });
  const t = { instanceId: 1, instanceName: 'main', baseUrl: agent.url };
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          servers.map((s) => utf8({ success: true, servers: s }))
        ),
        fc.integer({ min: 200, max: 599 }), // 1xx: see client.test.ts
        async (bytes, st) => {
          agent.clearFaults().inject(on.servers(), { kind: 'status', status: st, body: Buffer.from(bytes) }, 1);
          const out = await client.getServers(t, 'web').then(
            (v) => answerKept('servers', v),
            (err: unknown) => err instanceof FagentError
          );
          return out;
        }
      ),
      { numRuns: 300 }
    );
  } finally {
    client.close();
    await agent.stop();
  }
});
