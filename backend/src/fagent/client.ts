import http from 'node:http';
import https from 'node:https';
import axios, { AxiosInstance, AxiosError } from 'axios';
import type { ZodType } from 'zod';
import type { Command } from '../domain/status';
import { BreakerRegistry } from './breaker';
import { FagentCache } from './cache';
import { FagentError } from './errors';
import { backendsAnswer, commandAnswer, failureAnswer, FagentServer, serversAnswer } from './schemas';

/** Where one HAProxy instance is reached: its host's agent and the instance's name there. */
export interface FagentTarget {
  instanceId: number;
  instanceName: string;
  baseUrl: string;
  token?: string | null;
}

export interface FagentClientOptions {
  timeoutMs: number;
  maxRetries: number;
  cacheTtlSec: number;
  breakerThreshold: number;
  breakerResetTimeoutMs: number;
  defaultToken?: string;
  /** Base delay of the exponential backoff between retries. */
  retryDelayMs?: number;
}

export interface ReadOptions {
  /** Skip the cache (a manual sync wants the agent's answer of now). */
  fresh?: boolean;
}

/** A path segment for a name: `.` and `..` are names in HAProxy, so their dots are encoded too. */
const seg = (name: string) => (/^\.+$/.test(name) ? name.replace(/\./g, '%2E') : encodeURIComponent(name));

/**
 * axios parses the URL, and URL parsing resolves `.`/`..` segments (even as %2E); this transport sends
 * the path exactly as built, so every name reaches the agent as a name.
 */
function verbatimPath(baseUrl: string, path: string) {
  const base = new URL(baseUrl);
  const fullPath = base.pathname.replace(/\/+$/, '') + path;
  const lib = base.protocol === 'https:' ? https : http;
  return {
    request: (options: http.RequestOptions, cb: (res: http.IncomingMessage) => void) =>
      lib.request({ ...options, path: fullPath }, cb),
  };
}

/**
 * Speaks the seed's FAgent protocol. Every answer is validated: `success:false`, a non-2xx, a body of the
 * wrong shape or a timeout is an error, never data.
 */
export class FagentClient {
  readonly breakers: BreakerRegistry;
  readonly cache: FagentCache;
  private readonly http: AxiosInstance;

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
    this.http = axios.create({
      timeout: opts.timeoutMs,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      // We judge every status ourselves, and parse the body ourselves to tell bad JSON from a bad shape.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
    });
  }

  /** Backend names of an instance; outside the breaker (callers compose it into one guarded operation). */
  async getBackends(t: FagentTarget, o: ReadOptions = {}): Promise<string[]> {
    const cached = o.fresh ? undefined : this.cache.get<string[]>(t.instanceId, 'backends');
    if (cached) {
      return cached;
    }
    const answer = await this.request(t, 'GET', `/api/haproxy/${seg(t.instanceName)}/backends`, backendsAnswer);
    this.cache.set(t.instanceId, 'backends', answer.backends);
    return answer.backends;
  }

  async getServers(t: FagentTarget, backend: string, o: ReadOptions = {}): Promise<FagentServer[]> {
    const key = `servers\u0000${backend}`;
    const cached = o.fresh ? undefined : this.cache.get<FagentServer[]>(t.instanceId, key);
    if (cached) {
      return cached;
    }
    const path = `/api/haproxy/${seg(t.instanceName)}/backends/${seg(backend)}/servers`;
    const answer = await this.request(t, 'GET', path, serversAnswer);
    this.cache.set(t.instanceId, key, answer.servers);
    return answer.servers;
  }

  /** A command through the instance's breaker; on success the instance's cached answers are dropped. */
  async command(t: FagentTarget, backend: string, server: string, command: Command): Promise<void> {
    const path = `/api/haproxy/${seg(t.instanceName)}/backends/${seg(backend)}/servers/${seg(server)}/${command}`;
    await this.breakers.run(t.instanceId, () => this.request(t, 'POST', path, commandAnswer, { retry: false }));
    this.cache.invalidate(t.instanceId);
  }

  /** Drops what was learned from an instance's agent (cached answers, breaker history): it is another target now. */
  forget(instanceId: number): void {
    this.cache.invalidate(instanceId);
    this.breakers.forget(instanceId);
  }

  close(): void {
    this.breakers.shutdown();
    this.cache.close();
  }

  private async request<T>(
    t: FagentTarget,
    method: 'GET' | 'POST',
    path: string,
    schema: ZodType<T>,
    o: { retry?: boolean } = {}
  ): Promise<T> {
    // Commands are not retried: a timed-out drain may have been applied, and repeating it is the user's call.
    const attempts = o.retry === false ? 1 : this.opts.maxRetries + 1;
    let lastError: FagentError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        await sleep((this.opts.retryDelayMs ?? 200) * 2 ** (attempt - 1));
      }
      try {
        return await this.once(t, method, path, schema);
      } catch (err) {
        lastError = err as FagentError;
        if (!lastError.retryable) {
          break;
        }
      }
    }
    throw lastError;
  }

  private async once<T>(t: FagentTarget, method: 'GET' | 'POST', path: string, schema: ZodType<T>): Promise<T> {
    const url = t.baseUrl.replace(/\/+$/, '') + path;
    const token = t.token ?? this.opts.defaultToken;
    let res;
    try {
      res = await this.http.request<string>({
        method,
        url,
        headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        transport: verbatimPath(t.baseUrl, path),
      });
    } catch (err) {
      const e = err as AxiosError;
      if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') {
        throw new FagentError('timeout', `FAgent did not answer ${method} ${path} within ${this.opts.timeoutMs} ms`);
      }
      throw new FagentError('network', `FAgent unreachable at ${t.baseUrl}: ${e.code ?? e.message}`);
    }
    let body: unknown;
    try {
      body = res.data === '' ? undefined : JSON.parse(res.data);
    } catch {
      if (res.status >= 400) {
        throw new FagentError('http', `FAgent answered HTTP ${res.status} to ${method} ${path}`, res.status);
      }
      throw new FagentError('invalid_answer', `FAgent answered ${method} ${path} with invalid JSON`, res.status);
    }
    const failure = failureAnswer.safeParse(body);
    if (failure.success) {
      const reason = failure.data.error ?? failure.data.message ?? 'no reason given';
      throw new FagentError(
        'refused',
        `FAgent refused ${method} ${path}: ${reason}`,
        res.status >= 400 ? res.status : undefined
      );
    }
    if (res.status < 200 || res.status >= 300) {
      throw new FagentError('http', `FAgent answered HTTP ${res.status} to ${method} ${path}`, res.status);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FagentError(
        'invalid_answer',
        `FAgent answer to ${method} ${path} has the wrong shape at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
        res.status
      );
    }
    return parsed.data;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
