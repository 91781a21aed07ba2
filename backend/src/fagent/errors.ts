/** Why a call to an FAgent failed; never data. */
export type FagentErrorKind = 'network' | 'timeout' | 'http' | 'invalid_answer' | 'refused';

export class FagentError extends Error {
  constructor(
    readonly kind: FagentErrorKind,
    message: string,
    readonly httpStatus?: number
  ) {
    super(message);
    this.name = 'FagentError';
  }

  /** Network trouble and 5xx answers are worth another attempt; a 4xx or a malformed answer is not. */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') {
      return true;
    }
    return (this.kind === 'http' || this.kind === 'refused') && (this.httpStatus ?? 0) >= 500;
  }

  /** A 4xx names a problem with our request (unknown server, bad name), not an unhealthy agent. */
  get isClientError(): boolean {
    return (
      (this.kind === 'http' || this.kind === 'refused') && (this.httpStatus ?? 0) >= 400 && (this.httpStatus ?? 0) < 500
    );
  }
}

export class BreakerOpenError extends Error {
  constructor(readonly instanceId: number) {
    super(`circuit breaker open for HAProxy instance ${instanceId}: FAgent calls are paused`);
    this.name = 'BreakerOpenError';
  }
}
