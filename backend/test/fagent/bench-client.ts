/**
 * `npm run bench:client`: the FAgent client's cost per answer, before (axios + zod, as the client was) and
 * after (undici + the hand-written validators), and the validators alone (zod, ajv's compiled code, ours).
 * The agent is a child process serving one prepared answer, so the CPU measured is the client's. Prints JSON.
 * Not a test: numbers are for the README, never asserted.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import Ajv from 'ajv';
import axios from 'axios';
import { z } from 'zod';
import { FagentClient } from '../../src/fagent/client';
import { FagentServer, parseServersAnswer } from '../../src/fagent/schemas';

const SERVERS = Number(process.env.BENCH_SERVERS ?? 1000);
const ANSWERS = Number(process.env.BENCH_ANSWERS ?? 1500);
const CONCURRENCY = 8;
const VALIDATIONS = 200;
const ROUNDS = 3;

/** What the reference agent sends for one server: the seed's fields and its extras. */
const server = (i: number) => ({
  name: `srv-${i}`,
  address: `10.0.${i >> 8}.${i & 255}:8080`,
  status: i % 50 === 0 ? 'DOWN' : 'UP',
  weight: 100,
  current_sessions: i % 17,
  max_sessions: 200,
  session_limit: 200,
  max_sessions_observed: 40,
  check_status: 'L4OK',
  last_change_seconds: 3600 + i,
  backup: false,
});
const answer = { success: true, servers: Array.from({ length: SERVERS }, (_, i) => server(i)) };
const body = JSON.stringify(answer);

// The zod schema the client used before (backend/src/fagent/schemas.ts at the start of this change).
const count = z.number().int().nonnegative().max(2_147_483_647);
const zodServers = z.object({
  success: z.literal(true),
  servers: z.array(
    z.object({
      name: z.string().min(1),
      address: z
        .string()
        .nullable()
        .optional()
        .transform((v) => v ?? ''),
      status: z.string(),
      weight: count,
      current_sessions: count,
      max_sessions: count
        .nullable()
        .optional()
        .transform((v) => v ?? 0),
    })
  ),
});

// The same checks as ours, as a JSON Schema compiled by ajv (the "generated" option).
const text = { type: 'string', maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$' };
const int = { type: 'integer', minimum: 0, maximum: 2_147_483_647 };
const nullableInt = { anyOf: [int, { type: 'null' }] };
const ajvServers = new Ajv().compile({
  type: 'object',
  required: ['success', 'servers'],
  properties: {
    success: { const: true },
    servers: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['name', 'status', 'weight', 'current_sessions'],
        properties: {
          name: { ...text, minLength: 1 },
          address: { anyOf: [text, { type: 'null' }] },
          status: text,
          weight: int,
          current_sessions: int,
          max_sessions: nullableInt,
          session_limit: nullableInt,
          max_sessions_observed: int,
          check_status: { anyOf: [text, { type: 'null' }] },
          last_change_seconds: nullableInt,
          backup: { type: 'boolean' },
        },
      },
    },
  },
});
const limits = { maxServersPerBackend: 10_000, maxBackends: 10_000 };
const fail = () => {
  throw new Error('invalid');
};
const copyServers = (v: unknown): FagentServer[] =>
  (v as { servers: Array<Record<string, never>> }).servers.map((s) => ({
    name: s.name,
    address: s.address ?? '',
    status: s.status,
    weight: s.weight,
    current_sessions: s.current_sessions,
    max_sessions: s.max_sessions ?? 0,
    session_limit: s.session_limit,
    max_sessions_observed: s.max_sessions_observed,
    check_status: s.check_status,
    last_change_seconds: s.last_change_seconds,
    backup: s.backup,
    id: s.id,
    admin_state: s.admin_state,
    maint_source: s.maint_source,
    operational_state: s.operational_state,
    initial_weight: s.initial_weight,
  }));

/** A static agent in its own process: every request gets the prepared answer (handed over on stdin). */
async function startAgent(): Promise<{ url: string; stop: () => void }> {
  const code = `const chunks = [];
    process.stdin.on('data', (d) => chunks.push(d)).on('end', () => {
      const b = Buffer.concat(chunks);
      const s = require('node:http').createServer((q, r) => {
        q.resume();
        r.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length }).end(b);
      });
      s.keepAliveTimeout = 60000;
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));
    });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'pipe' });
  child.stdin.end(body);
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d)))));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

interface Throughput {
  answers_per_s: number;
  cpu_ms_per_1000_servers: number;
}

async function measureOnce(fetchOne: () => Promise<unknown[]>): Promise<Throughput> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < ANSWERS) {
        if ((await fetchOne()).length !== SERVERS) {
          throw new Error('short answer');
        }
      }
    })
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    answers_per_s: Math.round(ANSWERS / seconds),
    cpu_ms_per_1000_servers: round((cpuMs / (ANSWERS * SERVERS)) * 1000),
  };
}

/** Rounds alternate between the contenders and each keeps its best, so a busy machine hurts both alike. */
async function race(contenders: Record<string, () => Promise<unknown[]>>): Promise<Record<string, Throughput>> {
  const best: Record<string, Throughput> = {};
  for (const fetchOne of Object.values(contenders)) {
    for (let i = 0; i < 50; i++) {
      await fetchOne(); // warm-up: connections, JIT
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fetchOne] of Object.entries(contenders)) {
      const t = await measureOnce(fetchOne);
      const b = best[name];
      best[name] = b
        ? {
            answers_per_s: Math.max(b.answers_per_s, t.answers_per_s),
            cpu_ms_per_1000_servers: Math.min(b.cpu_ms_per_1000_servers, t.cpu_ms_per_1000_servers),
          }
        : t;
    }
  }
  return best;
}

/** Validation alone, on already parsed answers: milliseconds per 1,000 servers, best of the rounds. */
function validateOnly(validators: Record<string, (v: unknown) => unknown>): Record<string, number> {
  const best: Record<string, number> = {};
  for (let r = 0; r < ROUNDS + 2; r++) {
    for (const [name, validate] of Object.entries(validators)) {
      const parsed = Array.from({ length: VALIDATIONS }, () => JSON.parse(body));
      const started = process.hrtime.bigint();
      for (const v of parsed) {
        validate(v);
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6 / ((VALIDATIONS * SERVERS) / 1000);
      best[name] = Math.min(best[name] ?? Infinity, round(ms));
    }
  }
  return best;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

async function main() {
  const agent = await startAgent();
  const path = '/api/haproxy/main/backends/web/servers';

  // Before: axios with the verbatim-path transport, text body, JSON.parse, zod.
  const ax = axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
    timeout: 10_000,
  });
  const transport = {
    request: (o: http.RequestOptions, cb: (res: http.IncomingMessage) => void) => http.request({ ...o, path }, cb),
  };

  // After: the client as the service runs it (cache off, so every read reaches the agent).
  const client = new FagentClient({
    timeoutMs: 10_000,
    maxRetries: 0,
    cacheTtlSec: 0,
    breakerThreshold: 100,
    breakerResetTimeoutMs: 60_000,
  });
  const target = { instanceId: 1, instanceName: 'main', baseUrl: agent.url };
  const { before, after } = await race({
    before: async () => {
      const res = await ax.request<string>({ method: 'GET', url: agent.url + path, transport });
      return zodServers.parse(JSON.parse(res.data)).servers;
    },
    after: () => client.getServers(target, 'web'),
  });
  client.close();
  agent.stop();

  const validators = validateOnly({
    zod: (v) => zodServers.parse(v),
    ajv_compiled: (v) => ajvServers(v) || fail(),
    // What ours returns: the known fields only, defaults filled, one object shape (see schemas.ts).
    ajv_compiled_then_copied: (v) => (ajvServers(v) ? copyServers(v) : fail()),
    hand_written: (v) => parseServersAnswer(v, limits),
  });
  const result = {
    servers_per_answer: SERVERS,
    answer_bytes: Buffer.byteLength(body),
    answers: ANSWERS,
    concurrency: CONCURRENCY,
    before: { client: 'axios + zod', ...before },
    after: { client: 'undici + hand-written validator (with limits and JSON budget)', ...after },
    speedup: {
      answers_per_s: round(after.answers_per_s / before.answers_per_s),
      cpu_per_server: round(before.cpu_ms_per_1000_servers / after.cpu_ms_per_1000_servers),
    },
    validate_only_ms_per_1000_servers: validators,
    rounds: ROUNDS,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
