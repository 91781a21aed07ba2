/**
 * Why a call to an FAgent failed; never data.
 * - `over_limit`: the answer is bigger than we accept (body bytes, servers, backends, JSON nesting);
 * - `blocked`: the agent's URL or address is refused (credentials in the URL, outside
 *   HAPROXY_FAGENT_ALLOWED_NETWORKS): our policy, not the agent's health;
 * - `aborted`: the caller's AbortSignal ended the call (a caller's deadline counts as `timeout`).
 */
export type FagentErrorKind =
  'network' | 'timeout' | 'http' | 'invalid_answer' | 'refused' | 'over_limit' | 'blocked' | 'aborted';

/**
 * HTTP statuses that say the agent has no such endpoint at all: 405 Method Not Allowed (a route for other
 * methods) and 501 Not Implemented, which FAgents other than ours answer for endpoints they lack.
 */
export const ENDPOINT_LACKING = new Set([405, 501]);

export class FagentError extends Error {
  constructor(
    readonly kind: FagentErrorKind,
    message: string,
    readonly httpStatus?: number,
    /** The request never left: no connection (refused, no such host) or a TLS handshake this service refused. */
    readonly notSent = false
  ) {
    super(message);
    this.name = 'FagentError';
  }

  /**
   * Network trouble and 5xx answers are worth another attempt; a 4xx, a malformed answer or a 501 (the agent
   * has no such endpoint, and will not have one a moment later) are not.
   */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') {
      return true;
    }
    return (this.kind === 'http' || this.kind === 'refused') && (this.httpStatus ?? 0) >= 500 && !this.notOffered;
  }

  /** The agent does not offer what was asked: a 404, or a status of ENDPOINT_LACKING. */
  get notOffered(): boolean {
    const status = this.httpStatus ?? 0;
    return (this.kind === 'http' || this.kind === 'refused') && (status === 404 || ENDPOINT_LACKING.has(status));
  }

  /** A 4xx names a problem with our request (unknown server, bad name), not an unhealthy agent. */
  get isClientError(): boolean {
    return (
      (this.kind === 'http' || this.kind === 'refused') && (this.httpStatus ?? 0) >= 400 && (this.httpStatus ?? 0) < 500
    );
  }

  /** Whether the failure says something about the agent's health (what a circuit breaker counts). */
  get blamesAgent(): boolean {
    return !this.isClientError && !this.notOffered && this.kind !== 'blocked' && this.kind !== 'aborted';
  }
}

/**
 * What is wrong with an answer, found by the transport (limits) or the validators (shape), before the client
 * knows which request it was: it becomes a FagentError of the same kind with the request named.
 */
export class AnswerProblem extends Error {
  constructor(
    readonly kind: 'invalid_answer' | 'over_limit',
    message: string
  ) {
    super(message);
    this.name = 'AnswerProblem';
  }
}

export class BreakerOpenError extends Error {
  constructor(
    readonly instanceId: number,
    instanceName?: string
  ) {
    const which = instanceName === undefined ? `${instanceId}` : `${instanceName} (id ${instanceId})`;
    super(`circuit breaker open for HAProxy instance ${which}: FAgent calls are paused`);
    this.name = 'BreakerOpenError';
  }
}
