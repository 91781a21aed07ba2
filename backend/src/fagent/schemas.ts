import { replaceControlCharacters } from '../domain/control-characters';
import {
  ADMIN_STATES,
  AdminState,
  MAINT_SOURCES,
  MaintSource,
  OPERATIONAL_STATES,
  OperationalState,
} from '../domain/server-state';
import { AnswerProblem } from './errors';

/**
 * The FAgent protocol's answers (the seed's endpoints, plus /info, /state, weight and shutdown-sessions), checked
 * by hand-written validators: faster than the zod schemas they replace (`npm run bench:client`), with limits,
 * and with messages that name the field but never echo its value.
 * Unknown fields are ignored. Every string stored from an answer is 0..1024 characters without control
 * characters (a NUL would fail in PostgreSQL later), names are 1..2000 bytes, counts fit a PostgreSQL int.
 */

export interface FagentServer {
  name: string;
  /** '' when the agent sends none. */
  address: string;
  /** HAProxy's raw status (`UP 1/3`, `MAINT (via b/s)`, `no check`). */
  status: string;
  /** The current weight (srv_uweight). */
  weight: number;
  current_sessions: number;
  /** 0 when the agent sends none. */
  max_sessions: number;
  // The reference agent's extras; undefined when absent.
  session_limit?: number | null;
  max_sessions_observed?: number;
  check_status?: string | null;
  last_change_seconds?: number | null;
  backup?: boolean;
  // The extended protocol's optional fields. undefined when absent, null or (enums) a value this backend does
  // not know: a newer agent must not fail the sync, and callers derive what they need from `status` instead.
  id?: number;
  admin_state?: AdminState;
  /** null: not in maintenance (nor drained through `track`: `inherited`). */
  maint_source?: MaintSource | null;
  operational_state?: OperationalState;
  initial_weight?: number;
  /** "backend/server" it follows through `track`; null: it tracks none. */
  tracks?: string | null;
}

/** The HAProxy process behind an instance; a reload or restart changes `pid` and/or `started_at`. */
export interface FagentInfo {
  version: string;
  pid: number;
  /** ISO 8601 UTC as the agent sent it. */
  started_at: string;
  uptime_s: number;
}

export interface FagentBackendState {
  name: string;
  servers: FagentServer[];
  /** sync/fingerprint.ts serversFingerprint of `servers`, when the answer was decoded on a thread of its own. */
  fingerprint?: string;
  /**
   * Why its servers could not be read (the message names the request); `servers` is then empty. One odd backend
   * fails alone, as one `/servers` read does with the seed protocol.
   */
  error?: string;
}

/** `GET /state`: every backend of the instance (zero-server ones too) from one snapshot. */
export interface FagentState {
  /** Undefined when the answer's `info` is missing or wrong (`infoError`): the process is then unknown. */
  info?: FagentInfo;
  /**
   * Why `info` could not be read (the message names the request). The backends still count, as a failed
   * `/info` beside the seed protocol's lists costs only the process.
   */
  infoError?: string;
  backends: FagentBackendState[];
}

/** What a command's answer tells besides success: `weight` answers the current weight after the change. */
export interface CommandAnswer {
  weight?: number;
}

export interface AnswerLimits {
  maxServersPerBackend: number;
  maxBackends: number;
}

const MAX_TEXT = 1024;
/**
 * HAProxy sets no length on backend and server names (2,000 characters load fine). PostgreSQL's btree indexes on
 * names hold at most about 2,700 bytes per entry: so up to 2,000 bytes of UTF-8.
 */
const MAX_NAME_BYTES = 2000;
const MAX_INT = 2_147_483_647;
const MAX_REASON = 200;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]00:?00)$/;

type Json = Record<string, unknown>;

/**
 * A wrong field, thrown up through the answer's levels, each adding its part of the path; built only on
 * failure, so a valid answer costs no strings.
 */
class ShapeProblem {
  constructor(
    public path: string,
    readonly problem: string
  ) {}
}

function fail(field: string, problem: string): never {
  throw new ShapeProblem(field, problem);
}

/** Adds the level `head` (a field name or `[i]`) in front of a problem's path. */
function under(err: unknown, head: string): unknown {
  if (err instanceof ShapeProblem) {
    err.path = err.path === '' ? head : err.path.startsWith('[') ? head + err.path : `${head}.${err.path}`;
  }
  return err;
}

/** A shape problem as the `invalid_answer` AnswerProblem the client reports; other errors as they are. */
function asAnswerProblem(err: unknown): unknown {
  return err instanceof ShapeProblem
    ? new AnswerProblem('invalid_answer', `has the wrong shape at ${err.path || '(root)'}: ${err.problem}`)
    : err;
}

/** An exported parser: a shape problem becomes the `invalid_answer` AnswerProblem the client reports. */
function answerParser<A extends unknown[], T>(parse: (v: unknown, ...args: A) => T) {
  return (v: unknown, ...args: A): T => {
    try {
      return parse(v, ...args);
    } catch (err) {
      throw asAnswerProblem(err);
    }
  };
}

function typeName(v: unknown): string {
  if (v === undefined) {
    return 'nothing';
  }
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, field: string): Json {
  return isObject(v) ? v : fail(field, `must be an object, got ${typeName(v)}`);
}

function array(v: unknown, field: string): unknown[] {
  return Array.isArray(v) ? v : fail(field, `must be an array, got ${typeName(v)}`);
}

// The checks below are plain first-order functions, one per kind of field, so V8 inlines them: a validator
// taking `check` callbacks was twice as slow.

function text(v: unknown, field: string, min = 0, max = MAX_TEXT): string {
  if (typeof v !== 'string') {
    fail(field, `must be a string, got ${typeName(v)}`);
  }
  const n = v.length;
  if (n < min || n > max) {
    fail(field, `must be ${min} to ${max} characters long, is ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    // C0, DEL and C1 controls.
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      fail(field, `contains a control character (U+${hex(c)}) at position ${i}`);
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // Half of a surrogate pair alone (JSON's "\ud800") is no character: PostgreSQL would store U+FFFD
      // instead, and the stored name would never match the agent's again.
      const next = v.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        fail(field, `contains half of a UTF-16 surrogate pair (U+${hex(c)}) at position ${i}`);
      }
      i++;
    }
  }
  return v;
}

/** "backend/server": two names and the slash. */
const MAX_TRACKS = 2 * MAX_NAME_BYTES + 1;

const hex = (c: number) => c.toString(16).toUpperCase().padStart(4, '0');

function name(v: unknown, field: string): string {
  const s = text(v, field, 1, MAX_NAME_BYTES);
  // Only a name longer than a quarter of the limit in characters can be over it in bytes.
  if (s.length > MAX_NAME_BYTES / 4 && Buffer.byteLength(s, 'utf8') > MAX_NAME_BYTES) {
    fail(field, `must be at most ${MAX_NAME_BYTES} bytes long in UTF-8, is ${Buffer.byteLength(s, 'utf8')}`);
  }
  return s;
}

function count(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_INT) {
    return v;
  }
  return fail(
    field,
    typeof v === 'number' ? `must be an integer from 0 to ${MAX_INT}` : `must be a number, got ${typeName(v)}`
  );
}

// Optional fields: absent and null read as undefined. Nullable ones keep null where it means something
// (session_limit: none configured; maint_source: not in maintenance).
const optionalText = (v: unknown, field: string) => (v === undefined || v === null ? undefined : text(v, field));
const nullableText = (v: unknown, field: string) => (v === undefined ? undefined : v === null ? null : text(v, field));
const optionalCount = (v: unknown, field: string) => (v === undefined || v === null ? undefined : count(v, field));
const nullableCount = (v: unknown, field: string) =>
  v === undefined ? undefined : v === null ? null : count(v, field);

function optionalBoolean(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null || typeof v === 'boolean') {
    return v ?? undefined;
  }
  return fail(field, `must be true or false, got ${typeName(v)}`);
}

/** An enum field: a value this backend does not know is treated as absent (see FagentServer). */
function member<T extends string>(values: ReadonlySet<string>, v: unknown, field: string): T | undefined {
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v !== 'string') {
    return fail(field, `must be a string, got ${typeName(v)}`);
  }
  return values.has(v) ? (v as T) : undefined;
}
const adminStates: ReadonlySet<string> = new Set(ADMIN_STATES);
const maintSources: ReadonlySet<string> = new Set(MAINT_SOURCES);
const operationalStates: ReadonlySet<string> = new Set(OPERATIONAL_STATES);

function server(v: unknown): FagentServer {
  const s = object(v, '');
  // Every property is set (undefined when absent) so all servers share one object shape.
  return {
    name: name(s.name, 'name'),
    address: optionalText(s.address, 'address') ?? '',
    status: text(s.status, 'status'),
    weight: count(s.weight, 'weight'),
    current_sessions: count(s.current_sessions, 'current_sessions'),
    max_sessions: optionalCount(s.max_sessions, 'max_sessions') ?? 0,
    session_limit: nullableCount(s.session_limit, 'session_limit'),
    max_sessions_observed: optionalCount(s.max_sessions_observed, 'max_sessions_observed'),
    check_status: nullableText(s.check_status, 'check_status'),
    last_change_seconds: nullableCount(s.last_change_seconds, 'last_change_seconds'),
    backup: optionalBoolean(s.backup, 'backup'),
    id: optionalCount(s.id, 'id'),
    admin_state: member<AdminState>(adminStates, s.admin_state, 'admin_state'),
    maint_source: s.maint_source === null ? null : member<MaintSource>(maintSources, s.maint_source, 'maint_source'),
    operational_state: member<OperationalState>(operationalStates, s.operational_state, 'operational_state'),
    initial_weight: optionalCount(s.initial_weight, 'initial_weight'),
    // "": HAProxy's empty `tracked` column passed through by an agent, as null is: it tracks none.
    tracks:
      s.tracks === undefined
        ? undefined
        : s.tracks === null || s.tracks === ''
          ? null
          : text(s.tracks, 'tracks', 3, MAX_TRACKS),
  };
}

function servers(v: unknown, limits: AnswerLimits): FagentServer[] {
  const list = array(v, '');
  if (list.length > limits.maxServersPerBackend) {
    throw new AnswerProblem(
      'over_limit',
      `lists ${list.length} servers in one backend, more than HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND (${limits.maxServersPerBackend})`
    );
  }
  const out = new Array<FagentServer>(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      out[i] = server(list[i]);
    } catch (err) {
      throw under(err, `[${i}]`);
    }
  }
  return out;
}

function backendCount(n: number, limits: AnswerLimits): void {
  if (n > limits.maxBackends) {
    throw new AnswerProblem(
      'over_limit',
      `lists ${n} backends, more than HAPROXY_FAGENT_MAX_BACKENDS_PER_INSTANCE (${limits.maxBackends})`
    );
  }
}

/** A success answer: `{"success":true,...}`. */
function success(v: unknown): Json {
  const answer = object(v, '');
  if (answer.success !== true) {
    fail('success', 'must be true');
  }
  return answer;
}

function info(v: unknown): FagentInfo {
  const i = object(v, '');
  const startedAt = text(i.started_at, 'started_at', 1);
  if (!ISO_UTC.test(startedAt) || Number.isNaN(Date.parse(startedAt))) {
    fail('started_at', 'must be an ISO 8601 UTC time (2026-12-01T12:00:00Z)');
  }
  // Uptime only informs: a fractional one is floored rather than failing the snapshot it comes with.
  const uptime = i.uptime_s;
  return {
    version: text(i.version, 'version'),
    pid: count(i.pid, 'pid'),
    started_at: startedAt,
    uptime_s: count(typeof uptime === 'number' && uptime > 0 ? Math.floor(uptime) : uptime, 'uptime_s'),
  };
}

function field<T>(v: Json, key: string, check: (v: unknown) => T): T {
  try {
    return check(v[key]);
  } catch (err) {
    throw under(err, key);
  }
}

export const parseBackendsAnswer = answerParser((v: unknown, limits: AnswerLimits): string[] => {
  const list = array(success(v).backends, 'backends');
  backendCount(list.length, limits);
  const out = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      out[i] = name(list[i], '');
    } catch (err) {
      throw under(err, `backends[${i}]`);
    }
  }
  return out;
});

export const parseServersAnswer = answerParser((v: unknown, limits: AnswerLimits): FagentServer[] =>
  field(success(v), 'servers', (s) => servers(s, limits))
);

/** `GET /info` answers the process info beside `success`. */
export const parseInfoAnswer = answerParser((v: unknown): FagentInfo => info(success(v)));

/** The words `failed` gives a shape problem of a part that fails alone; any other error is thrown. */
function alone(err: unknown, failed: (problem: AnswerProblem) => string): string {
  const problem = asAnswerProblem(err);
  if (!(problem instanceof AnswerProblem)) {
    throw problem;
  }
  return failed(problem);
}

/**
 * The answer and its backend list first: either wrong fails it whole (nothing of the instance can be trusted
 * then). A wrong or missing `info` leaves the process unknown (`infoError`), and a backend whose servers are wrong
 * (or too many) fails alone (`error`), both worded by `failed`, which names the request: the rest is still synced,
 * as with the seed protocol's `/info` and its one `/servers` read per backend.
 */
export const parseStateAnswer = answerParser(
  (v: unknown, limits: AnswerLimits, failed: (problem: AnswerProblem) => string): FagentState => {
    const answer = success(v);
    let haproxy: FagentInfo | undefined;
    let infoError: string | undefined;
    try {
      haproxy = field(answer, 'info', info);
    } catch (err) {
      infoError = alone(err, failed);
    }
    const list = array(answer.backends, 'backends');
    backendCount(list.length, limits);
    const backends = new Array<FagentBackendState>(list.length);
    for (let i = 0; i < list.length; i++) {
      let b: Json;
      let backend: string;
      try {
        b = object(list[i], '');
        backend = name(b.name, 'name');
      } catch (err) {
        throw under(under(err, `[${i}]`), 'backends');
      }
      try {
        backends[i] = { name: backend, servers: field(b, 'servers', (s) => servers(s, limits)) };
      } catch (err) {
        backends[i] = { name: backend, servers: [], error: alone(under(under(err, `[${i}]`), 'backends'), failed) };
      }
    }
    return infoError === undefined ? { info: haproxy, backends } : { infoError, backends };
  }
);

export const parseCommandAnswer = answerParser((v: unknown): CommandAnswer => ({
  weight: optionalCount(success(v).weight, 'weight'),
}));

/**
 * The agent's reason from a well-formed `{"success":false,"error":"..."}` answer (or `message`), shortened and
 * without control characters; undefined when the body is not such an answer.
 */
export function refusalReason(v: unknown): string | undefined {
  if (!isObject(v) || v.success !== false) {
    return undefined;
  }
  const raw = typeof v.error === 'string' ? v.error : typeof v.message === 'string' ? v.message : '';
  return printable(raw, MAX_REASON) || 'no reason given';
}

/** An agent's text as a message may quote it: control characters as spaces, at most `max` characters. */
export function printable(raw: string, max: number): string {
  const clean = replaceControlCharacters(raw, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
