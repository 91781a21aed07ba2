import { parseAgentUrl } from '../fagent/agent-url';
import { allowedNetworks } from '../fagent/networks';
import { AddressBlockedError, FagentTransport } from '../fagent/transport';

/** What a callback's answer may hold: nothing is read of it but its status. */
const MAX_ANSWER_BYTES = 0;

/** Why a callback URL is refused, or undefined: the rules of agent URLs (http(s), no credentials, no query). */
export function callbackUrlProblem(raw: string): string | undefined {
  const parsed = parseAgentUrl(raw);
  return typeof parsed === 'string' ? parsed.replace('FAgent URL', 'callback_url') : undefined;
}

/**
 * POSTs a finished job to its callback URL, under the agents' rules: the same URL checks at creation, and
 * HAPROXY_FAGENT_ALLOWED_NETWORKS at every connection (a name that resolves elsewhere is refused), a total
 * timeout, only the answer's status read. A failure is the caller's to record; it never changes the job.
 */
export class OperationCallbacks {
  private readonly transport: FagentTransport;

  constructor(private readonly opts: { allowedNetworks?: string[]; timeoutMs: number }) {
    this.transport = new FagentTransport({
      connectionsPerOrigin: 4,
      allowed: opts.allowedNetworks ? allowedNetworks(opts.allowedNetworks) : undefined,
    });
  }

  /** undefined when the receiver answered 2xx; otherwise why not. */
  async send(rawUrl: string, body: unknown): Promise<string | undefined> {
    const url = parseAgentUrl(rawUrl);
    if (typeof url === 'string') {
      return url;
    }
    try {
      const answer = await this.transport.send({
        origin: url.origin,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'haproxy-control-operations' },
        body: JSON.stringify(body),
        timeoutMs: this.opts.timeoutMs,
        maxBodyBytes: MAX_ANSWER_BYTES,
        statusOnly: true,
      });
      return answer.status >= 200 && answer.status < 300 ? undefined : `the callback answered HTTP ${answer.status}`;
    } catch (err) {
      const e = err as Error;
      if (e instanceof AddressBlockedError) {
        return `callback address ${e.addresses.join(', ')} of ${e.host} is outside HAPROXY_FAGENT_ALLOWED_NETWORKS`;
      }
      // A timeout says `no answer within ... ms` (ExchangeTimeout).
      return `the callback failed: ${e.message}`;
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
