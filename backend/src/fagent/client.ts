import { maxHeaderSize } from 'node:http';
import type { AgentCommand, Command } from '../domain/status';
import { SecretBox } from '../secrets/secret-box';
import { serversFingerprint } from '../sync/fingerprint';
import { parseAgentUrl } from './agent-url';
import { AnswerMemo } from './answer-memo';
import { answerError, decodeAnswer, transferProblem } from './answer';
import { BreakerRegistry } from './breaker';
import { DecodePool } from './decode-pool';
import { FagentCache } from './cache';
import { AnswerProblem, FagentError } from './errors';
import { allowedNetworks } from './networks';
import {
  AnswerLimits,
  CommandAnswer,
  FagentInfo,
  FagentServer,
  FagentState,
  parseBackendsAnswer,
  parseCommandAnswer,
  parseInfoAnswer,
  parseServersAnswer,
} from './schemas';
import { decodeState, stateFromDigest } from './state-digest';
import { AddressBlockedError, AnswerCut, ExchangeTimeout, FagentTransport, HttpAnswer } from './transport';

/** A backend's servers and their fingerprint (sync/fingerprint.ts); `servers` may be decoded when first read. */
export interface FagentServerList {
  fingerprint: string;
  readonly servers: FagentServer[];
}

/** Where one HAProxy instance is reached: its host's agent and the instance's name there. */
export interface FagentTarget {
  instanceId: number;
  instanceName: string;
  baseUrl: string;
  token?: string | null;
}

export interface FagentClientOptions {
  /** The total time one request may take, body included (HAPROXY_REQUEST_TIMEOUT). */
  timeoutMs: number;
  maxRetries: number;
  cacheTtlSec: number;
  breakerThreshold: number;
  breakerResetTimeoutMs: number;
  defaultToken?: string;
  /** Base delay of the exponential backoff between retries. */
  retryDelayMs?: number;
  /** HAPROXY_FAGENT_MAX_BODY_BYTES: a longer answer is aborted. */
  maxBodyBytes?: number;
  maxServersPerBackend?: number;
  maxBackendsPerInstance?: number;
  /** HAPROXY_FAGENT_ALLOWED_NETWORKS (CIDRs checked with cidrProblem); unset = any address. */
  allowedNetworks?: readonly string[];
  /** HAPROXY_FAGENT_CA_FILE's PEM certificates: https agents are checked against them, not the system's. */
  ca?: string;
  /** How long /info or /state not offered (404, 405, 501) is remembered per instance before it is tried again. */
  unsupportedTtlMs?: number;
  /** Opens agent tokens stored encrypted (SECRETS_KEY); without it, an encrypted token is never sent. */
  secrets?: SecretBox;
  /** HAPROXY_DECODE_THREADS: threads that decode large /state answers (0: on the event loop). */
  decodeThreads?: number;
  /** HAPROXY_DECODE_NICE: those threads' niceness (0: the process's). */
  decodeNice?: number;
  /** The smallest /state answer given to a thread: a smaller one parses faster than the round trip to it. */
  decodeThreadMinBytes?: number;
  /**
   * The largest /state answer given to a thread: a larger one is decoded on the event loop, because the
   * thread's copy and the lists it sends back would hold it in memory twice (see memory.test.ts).
   */
  decodeThreadMaxBytes?: number;
}

export const FAGENT_DEFAULTS = {
  maxBodyBytes: 32 * 1024 * 1024,
  maxServersPerBackend: 10_000,
  maxBackendsPerInstance: 10_000,
  unsupportedTtlMs: 10 * 60_000,
  retryDelayMs: 200,
  decodeThreadMinBytes: 64 * 1024,
  decodeThreadMaxBytes: 8 * 1024 * 1024,
  /** Backends whose last server list's digest is kept (AnswerMemo): about 10 MB, 800 instances of 50 backends. */
  rememberedServerLists: 50_000,
} as const;

export interface CallOptions {
  /** Ends the call (retries and their backoff included), e.g. at an instance sync's deadline. */
  signal?: AbortSignal;
}

export interface ReadOptions extends CallOptions {
  /** Skip the cache (a manual sync wants the agent's answer of now). */
  fresh?: boolean;
}

/** Turns one HTTP answer into data or a FagentError (answer.ts decodeAnswer, maybe on another thread). */
type Decoder<T> = (what: string, res: HttpAnswer) => T | Promise<T>;

const json =
  <T>(parse: (v: unknown) => T): Decoder<T> =>
  (what, res) =>
    decodeAnswer(what, res.status, res.body, parse);

/** An absolute weight, or a percentage of the server's initial weight. */
export type WeightSetting = number | `${number}%`;

/**
 * Why a weight is not one HAProxy can take, or undefined: 0..256 absolute, or an integer percentage 0..100 of
 * the initial weight (HAProxy's `set weight` refuses relative weights above 100%).
 */
export function weightSettingProblem(weight: unknown): string | undefined {
  if (typeof weight === 'number') {
    return Number.isInteger(weight) && weight >= 0 && weight <= 256
      ? undefined
      : 'an absolute weight is an integer from 0 to 256';
  }
  if (typeof weight === 'string' && /^\d{1,5}%$/.test(weight) && parseInt(weight, 10) <= 100) {
    return undefined;
  }
  return 'a weight is an integer from 0 to 256 or a percentage from 0% to 100% of the initial weight, such as "50%"';
}

/** A valid weight in one spelling ("007%" is "7%"): what the guard, the audit and the agent see. */
export function canonicalWeight(weight: WeightSetting): WeightSetting {
  return typeof weight === 'number' ? weight : `${parseInt(weight, 10)}%`;
}

/** A path segment for a name: `.` and `..` are names in HAProxy, so their dots are encoded too. */
const seg = (name: string) => (/^\.+$/.test(name) ? name.replace(/\./g, '%2E') : encodeURIComponent(name));

const serversPath = (t: FagentTarget, backend: string) =>
  `/api/haproxy/${seg(t.instanceName)}/backends/${seg(backend)}/servers`;

/**
 * Speaks the FAgent protocol (the seed's endpoints and the optional /info, /state, weight, shutdown-sessions).
 * Every answer is bounded (total deadline, body bytes, JSON budget, counts) and validated: `success:false`, a
 * non-2xx, a body of the wrong shape or size, or a timeout is an error, never data.
 */
export class FagentClient {
  readonly breakers: BreakerRegistry;
  readonly cache: FagentCache;
  private readonly transport: FagentTransport;
  private readonly limits: AnswerLimits;
  private readonly maxBodyBytes: number;
  private readonly secrets: SecretBox;
  private readonly decodePool: DecodePool;
  /** Per instance and optional endpoint: until when it is known not to be offered. */
  private readonly unsupportedUntil = new Map<string, number>();
  /** Per instance and backend: the fingerprint of its last server list, by the list's bytes. */
  private readonly serverLists = new AnswerMemo<string>(FAGENT_DEFAULTS.rememberedServerLists);
  private readonly serversDecoder = (what: string, res: HttpAnswer): FagentServer[] =>
    decodeAnswer(what, res.status, res.body, (v) => parseServersAnswer(v, this.limits));

  constructor(
    private readonly opts: FagentClientOptions,
    onBreakerChange?: (instanceId: number, state: 'closed' | 'open' | 'half_open') => void
  ) {
    this.breakers = new BreakerRegistry({
      threshold: opts.breakerThreshold,
      resetTimeoutMs: opts.breakerResetTimeoutMs,
      onStateChange: onBreakerChange,
    });
    this.cache = new FagentCache(opts.cacheTtlSec);
    this.maxBodyBytes = opts.maxBodyBytes ?? FAGENT_DEFAULTS.maxBodyBytes;
    this.secrets = opts.secrets ?? new SecretBox();
    this.decodePool = new DecodePool(opts.decodeThreads ?? 0, opts.decodeNice ?? 0);
    this.limits = {
      maxServersPerBackend: opts.maxServersPerBackend ?? FAGENT_DEFAULTS.maxServersPerBackend,
      maxBackends: opts.maxBackendsPerInstance ?? FAGENT_DEFAULTS.maxBackendsPerInstance,
    };
    this.transport = new FagentTransport({
      connectionsPerOrigin: 64,
      allowed: opts.allowedNetworks ? allowedNetworks(opts.allowedNetworks) : undefined,
      ca: opts.ca,
    });
  }

  /** Backend names of an instance; outside the breaker (callers compose it into one guarded operation). */
  async getBackends(t: FagentTarget, o: ReadOptions = {}): Promise<string[]> {
    const path = `/api/haproxy/${seg(t.instanceName)}/backends`;
    return this.read(
      t,
      'backends',
      path,
      json((v) => parseBackendsAnswer(v, this.limits)),
      o
    );
  }

  async getServers(t: FagentTarget, backend: string, o: ReadOptions = {}): Promise<FagentServer[]> {
    return this.read(t, `servers\u0000${backend}`, serversPath(t, backend), this.serversDecoder, o);
  }

  /**
   * A backend's servers with their fingerprint, for the sync: a list whose bytes are those of the backend's
   * last one (AnswerMemo) keeps its fingerprint and is decoded only if its servers are read, which a sync does
   * for the backends it plans, not for those that did not change.
   */
  async getServerList(t: FagentTarget, backend: string, o: ReadOptions = {}): Promise<FagentServerList> {
    const key = `${t.instanceId}\u0000${backend}`;
    const decode = (what: string, res: HttpAnswer): FagentServerList => {
      const digest = res.status >= 200 && res.status < 300 ? AnswerMemo.digest(res.chunks) : undefined;
      const known = digest === undefined ? undefined : this.serverLists.get(key, digest);
      if (known !== undefined) {
        let servers: FagentServer[] | undefined;
        const decodeServers = () => this.serversDecoder(what, res);
        return {
          fingerprint: known,
          get servers() {
            return (servers ??= decodeServers());
          },
        };
      }
      const servers = this.serversDecoder(what, res);
      const fingerprint = serversFingerprint(servers);
      if (digest !== undefined) {
        this.serverLists.set(key, digest, fingerprint);
      }
      return { fingerprint, servers };
    };
    return this.read(t, `list\u0000${backend}`, serversPath(t, backend), decode, o);
  }

  /** The HAProxy process (version, pid, start time); undefined when the agent does not offer /info. */
  async getInfo(t: FagentTarget, o: ReadOptions = {}): Promise<FagentInfo | undefined> {
    return this.readOptional(t, 'info', json(parseInfoAnswer), o);
  }

  /**
   * Every backend with its servers and the process info in one request; undefined when the agent does not
   * offer /state (then the seed's per-backend reads are the way, and /state is not asked again for a while).
   * A large answer is decoded on a thread (decode-pool.ts): its backends then come with their fingerprints, and
   * those whose fingerprint `o.known` has read their servers on this thread only when asked for.
   * An answer with a failed part (a backend's servers, the process info) is not cached, as a failed `/servers`
   * or `/info` is not: the next sync asks again rather than see the same failure for a TTL.
   */
  async getState(
    t: FagentTarget,
    o: ReadOptions & { known?: Readonly<Record<string, string>> } = {}
  ): Promise<FagentState | undefined> {
    return this.readOptional(
      t,
      'state',
      (what, res) => this.decodeState(what, res, o.known),
      o,
      (state) => state.infoError === undefined && state.backends.every((b) => b.error === undefined)
    );
  }

  /**
   * A command through the instance's breaker, never retried; the instance's cached answers are dropped
   * whatever the outcome. `weight` needs `o.weight` (see weightSettingProblem) and answers the weight after the change.
   */
  async command(
    t: FagentTarget,
    backend: string,
    server: string,
    command: Command | 'shutdown-sessions',
    o?: CallOptions
  ): Promise<CommandAnswer>;
  async command(
    t: FagentTarget,
    backend: string,
    server: string,
    command: 'weight',
    o: CallOptions & { weight: WeightSetting }
  ): Promise<CommandAnswer>;
  async command(
    t: FagentTarget,
    backend: string,
    server: string,
    command: AgentCommand,
    o: CallOptions & { weight?: WeightSetting } = {}
  ): Promise<CommandAnswer> {
    let body: string | undefined;
    if (command === 'weight') {
      const problem = weightSettingProblem(o.weight);
      if (problem) {
        throw new TypeError(problem);
      }
      body = JSON.stringify({ weight: o.weight });
    }
    const path = `/api/haproxy/${seg(t.instanceName)}/backends/${seg(backend)}/servers/${seg(server)}/${command}`;
    // Not retried: a timed-out drain may have been applied, and repeating it is the user's call.
    try {
      return await this.breakers.run(
        t.instanceId,
        () => this.once(t, 'POST', path, json(parseCommandAnswer), { ...o, body }),
        t.instanceName
      );
    } finally {
      // Even a failed command may have changed HAProxy (a timeout): what was cached before it is stale.
      this.cache.invalidate(t.instanceId);
    }
  }

  /** Drops what this client keeps about an instance (cached answers, breaker, unsupported endpoints). */
  forget(instanceId: number): void {
    this.cache.forget(instanceId);
    this.breakers.forget(instanceId);
    this.unsupportedUntil.delete(`${instanceId}\u0000info`);
    this.unsupportedUntil.delete(`${instanceId}\u0000state`);
  }

  close(): void {
    this.breakers.shutdown();
    this.cache.close();
    // Shutting down: nothing left to tell anyone.
    this.decodePool.close().catch(() => undefined);
    this.transport.close().catch(() => undefined);
  }

  /**
   * `keep` says whether a good answer may be cached; a failed read never is. One that may not be drops what was
   * cached before it, which would otherwise answer the next read with a state older than this one; an answer
   * is never cached over that of a read that started after it (FagentCache.answered).
   */
  private async read<T>(
    t: FagentTarget,
    key: string,
    path: string,
    decode: Decoder<T>,
    o: ReadOptions,
    keep: (answer: T) => boolean = () => true
  ): Promise<T> {
    const cached = o.fresh ? undefined : this.cache.get<T>(t.instanceId, key);
    if (cached !== undefined) {
      return cached;
    }
    const read = this.cache.begin(t.instanceId, key);
    try {
      const answer = await this.withRetries(() => this.once(t, 'GET', path, decode, o), o.signal);
      this.cache.answered(read, keep(answer) ? answer : undefined);
      return answer;
    } finally {
      this.cache.end(read);
    }
  }

  private async readOptional<T>(
    t: FagentTarget,
    endpoint: 'info' | 'state',
    decode: Decoder<T>,
    o: ReadOptions,
    keep?: (answer: T) => boolean
  ): Promise<T | undefined> {
    const key = `${t.instanceId}\u0000${endpoint}`;
    if ((this.unsupportedUntil.get(key) ?? 0) > Date.now()) {
      return undefined;
    }
    const generation = this.cache.generation(t.instanceId);
    try {
      return await this.read(t, endpoint, `/api/haproxy/${seg(t.instanceName)}/${endpoint}`, decode, o, keep);
    } catch (err) {
      if (err instanceof FagentError && err.notOffered) {
        // Not across a forget (nor, to keep it simple, an invalidate): the answer may be of the agent the
        // instance had before its host moved.
        if (generation === this.cache.generation(t.instanceId)) {
          this.unsupportedUntil.set(key, Date.now() + (this.opts.unsupportedTtlMs ?? FAGENT_DEFAULTS.unsupportedTtlMs));
        }
        return undefined;
      }
      throw err;
    }
  }

  /** Reads only: network trouble, timeouts and 5xx are tried again after an exponential backoff. */
  private async withRetries<T>(attempt: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const baseDelay = this.opts.retryDelayMs ?? FAGENT_DEFAULTS.retryDelayMs;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof FagentError) || !err.retryable || n >= this.opts.maxRetries || signal?.aborted) {
          throw err;
        }
      }
      await sleep(baseDelay * 2 ** n, signal);
    }
  }

  /** One HTTP exchange within the total deadline (and the caller's signal), answer decoded or a FagentError. */
  private async once<T>(
    t: FagentTarget,
    method: 'GET' | 'POST',
    path: string,
    decode: Decoder<T>,
    o: CallOptions & { body?: string }
  ): Promise<T> {
    const what = `${method} ${path}`;
    const base = parseAgentUrl(t.baseUrl);
    if (typeof base === 'string') {
      throw new FagentError('blocked', `${base}: ${what} was not sent`);
    }
    const token = this.agentToken(t, what);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) {
      headers.authorization = `Bearer ${token}`;
    }
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await this.transport.send({
        origin: base.origin,
        path: base.pathname.replace(/\/+$/, '') + path,
        method,
        headers,
        body: o.body,
        timeoutMs: this.opts.timeoutMs,
        signal: o.signal,
        maxBodyBytes: this.maxBodyBytes,
      });
      const unreadable = transferProblem(what, res);
      if (unreadable) {
        throw unreadable;
      }
      return await decode(what, res);
    } catch (err) {
      throw this.failure(err, what, base.origin, o.signal);
    }
  }

  /** A /state answer: on a thread when it is large enough to be worth one (see getState). */
  private async decodeState(
    what: string,
    res: HttpAnswer,
    known: Readonly<Record<string, string>> = {}
  ): Promise<FagentState> {
    const { status, chunks } = res;
    const size = chunks.reduce((n, c) => n + c.length, 0);
    const minBytes = this.opts.decodeThreadMinBytes ?? FAGENT_DEFAULTS.decodeThreadMinBytes;
    const maxBytes = this.opts.decodeThreadMaxBytes ?? FAGENT_DEFAULTS.decodeThreadMaxBytes;
    const threaded = status >= 200 && status < 300 && size >= minBytes && size <= maxBytes;
    const digest = threaded
      ? await this.decodePool.digest({ what, status, body: chunks, limits: this.limits, known: Object.entries(known) })
      : undefined;
    const here = () => decodeState({ what, status, body: res.body, limits: this.limits });
    if (!digest) {
      return here();
    }
    let whole: FagentState | undefined;
    return stateFromDigest(digest, () => (whole ??= here()));
  }

  /** The token to send, opened here and only here (it may be stored encrypted); the shared one when none. */
  private agentToken(t: FagentTarget, what: string): string | undefined {
    if (t.token == null) {
      return this.opts.defaultToken;
    }
    try {
      return this.secrets.open(t.token);
    } catch (err) {
      throw new FagentError('blocked', `agent token ${(err as Error).message}: ${what} was not sent`);
    }
  }

  /** Any failure of one exchange as a FagentError that names the request but never echoes the answer. */
  private failure(err: unknown, what: string, origin: string, signal: AbortSignal | undefined): FagentError {
    if (err instanceof FagentError) {
      return err;
    }
    if (err instanceof AnswerProblem) {
      return answerError(what, err);
    }
    if (err instanceof AddressBlockedError) {
      return new FagentError('blocked', `${err.message}: ${what} was not sent`);
    }
    if (err instanceof ExchangeTimeout) {
      return new FagentError('timeout', `FAgent did not answer ${what} within ${err.timeoutMs} ms`);
    }
    if (signal?.aborted) {
      if ((signal.reason as { name?: string })?.name === 'TimeoutError') {
        return new FagentError('timeout', `FAgent did not answer ${what} before the caller's deadline`);
      }
      return new FagentError('aborted', `${what} was aborted by its caller`);
    }
    const e = err as { code?: string; message?: string; name?: string; reason?: string };
    // undici's own messages can run over several lines (assertions): the first says what happened. OpenSSL's
    // carry its stack ("805C...:error:0A00042E:SSL routines:..."): their `reason` says it.
    const said = e.code?.startsWith('ERR_SSL_') && e.reason ? e.reason : (e.message ?? String(err)).split('\n')[0];
    const detail = `${said}${e.code ? ` (${e.code})` : ''}`;
    if (err instanceof AnswerCut) {
      return new FagentError(
        'network',
        `FAgent at ${origin} closed the connection in the middle of its HTTP ${err.status} answer to ${what} (after ${err.bytes} bytes of body): ${detail}`
      );
    }
    if (e.code && UNKNOWN_ISSUER.has(e.code)) {
      return new FagentError(
        'network',
        `FAgent at ${origin} has a certificate this service does not trust: ${detail}; give its CA in HAPROXY_FAGENT_CA_FILE`,
        undefined,
        true
      );
    }
    // A reached agent is never called unreachable: that would send the operator to the network. These stay
    // network faults (a read is retried, the breaker counts them).
    if (e.code && REFUSED_CERTIFICATE.has(e.code)) {
      return new FagentError(
        'network',
        `FAgent at ${origin} has a certificate this service refuses: ${detail}`,
        undefined,
        true
      );
    }
    if (e.code?.startsWith('ERR_SSL_')) {
      const plain =
        e.code === 'ERR_SSL_WRONG_VERSION_NUMBER' ? '; does the agent speak plain http at this address?' : '';
      return new FagentError('network', `FAgent at ${origin} failed the TLS handshake: ${detail}${plain}`);
    }
    if (e.code === 'UND_ERR_HEADERS_OVERFLOW') {
      return new FagentError(
        'network',
        `FAgent at ${origin} answered ${what} with headers larger than this service reads (${maxHeaderSize} bytes): ${detail}`
      );
    }
    const unreadable = e.code === 'UND_ERR_SOCKET' && UNREAD_ANSWERS[e.message ?? ''];
    if (unreadable) {
      return new FagentError('network', `FAgent at ${origin} answered ${what} with ${unreadable}: ${detail}`);
    }
    if (e.name === 'HTTPParserError' || e.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
      return new FagentError(
        'network',
        `FAgent at ${origin} answered ${what} with bytes that are not valid HTTP/1.1: ${detail}`
      );
    }
    return new FagentError(
      'network',
      `FAgent unreachable at ${origin}: ${detail}`,
      undefined,
      e.code !== undefined && NO_CONNECTION.has(e.code)
    );
  }
}

/** undici's SocketErrors for answers it will not read (client-h1.js), as what the agent sent. */
const UNREAD_ANSWERS: Readonly<Record<string, string>> = {
  'bad response': 'an interim 100 Continue, which this client does not read',
  'bad upgrade': 'a protocol switch (101) that was not asked for',
};

/** TLS errors of a certificate that is trusted but not valid for this agent now (Node's codes, from OpenSSL's). */
const REFUSED_CERTIFICATE = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Connection errors before any byte of a request could be written: nothing reached the agent. */
const NO_CONNECTION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** TLS errors of a certificate whose issuer is not among the trusted ones (Node's codes, from OpenSSL's). */
const UNKNOWN_ISSUER = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** Waits `ms`, or less when the signal aborts (the caller then sees its own abort on the next check). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
