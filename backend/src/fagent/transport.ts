import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { AnswerProblem } from './errors';
import { JsonBudget } from './json-budget';
import type { AllowedNetworks } from './networks';

/** A connection refused by HAPROXY_FAGENT_ALLOWED_NETWORKS: which host, and the addresses it resolved to. */
export class AddressBlockedError extends Error {
  constructor(
    readonly host: string,
    readonly addresses: readonly string[]
  ) {
    super(`FAgent address ${addresses.join(', ')} of ${host} is outside HAPROXY_FAGENT_ALLOWED_NETWORKS`);
    this.name = 'AddressBlockedError';
  }
}

export interface HttpAnswer {
  status: number;
  /** The body as it arrived; `body` joins them on first use (a decoding thread copies the chunks instead). */
  chunks: readonly Buffer[];
  readonly body: Buffer;
  /** A redirect's Location (3xx): redirects are not followed. */
  location?: string;
  /** A Content-Encoding other than identity: never asked for, never decoded. */
  encoding?: string;
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);

export interface SendOptions {
  origin: string;
  /** Sent exactly as given: undici does not resolve `.`/`..` segments, so names stay names. */
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Ends the request, body included: the caller's total deadline. */
  signal: AbortSignal;
  maxBodyBytes: number;
}

/**
 * Resolves like dns.lookup and keeps only allowed addresses, so a name that later resolves elsewhere is
 * refused at its next connection. (node:net calls it for names only; the connector checks IP literals.)
 */
function guardedLookup(allowed: AllowedNetworks): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) {
        return callback(err, '', 0);
      }
      const usable = addresses.filter((a) => allowed.allows(a.address));
      if (usable.length === 0) {
        return callback(
          new AddressBlockedError(
            hostname,
            addresses.map((a) => a.address)
          ),
          '',
          0
        );
      }
      if (options.all) {
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      }
      callback(null, usable[0].address, usable[0].family);
    });
  };
}

/** undici with one keep-alive pool per agent origin; reads answers with a byte limit and a JSON budget. */
export class FagentTransport {
  private readonly dispatcher: Agent;

  /** `ca`: the PEM certificates https agents are checked against, in place of the system's. */
  constructor(o: { connectionsPerOrigin: number; allowed?: AllowedNetworks; ca?: string }) {
    const allowed = o.allowed;
    let connect: buildConnector.connector | undefined;
    if (allowed || o.ca) {
      const connector = buildConnector({
        ...(allowed && { lookup: guardedLookup(allowed) }),
        ...(o.ca && { ca: o.ca }),
      });
      connect = (opts, callback) => {
        const literal = opts.hostname.replace(/^\[(.*)\]$/, '$1');
        if (allowed && isIP(literal) !== 0 && !allowed.allows(literal)) {
          return callback(new AddressBlockedError(opts.hostname, [literal]), null);
        }
        connector(opts, callback);
      };
    }
    this.dispatcher = new Agent({ connections: o.connectionsPerOrigin, connect });
  }

  async send(o: SendOptions): Promise<HttpAnswer> {
    const res = await this.dispatcher.request({
      origin: o.origin,
      path: o.path,
      method: o.method,
      headers: o.headers,
      body: o.body,
      signal: o.signal,
    });
    const tooLarge = () =>
      new AnswerProblem('over_limit', `is larger than HAPROXY_FAGENT_MAX_BODY_BYTES (${o.maxBodyBytes} bytes)`);
    if (Number(res.headers['content-length']) > o.maxBodyBytes) {
      res.body.destroy();
      throw tooLarge();
    }
    // Counted while streaming: an answer over a limit is dropped (and its connection closed) as soon as it is.
    const budget = new JsonBudget(o.maxBodyBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > o.maxBodyBytes) {
        throw tooLarge();
      }
      budget.feed(chunk);
      chunks.push(chunk);
    }
    const encoding = header(res.headers['content-encoding']);
    let body: Buffer | undefined;
    return {
      status: res.statusCode,
      chunks,
      get body() {
        return (body ??= chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
      },
      ...(res.statusCode >= 300 && res.statusCode < 400 && { location: header(res.headers.location) ?? '' }),
      ...(encoding && encoding.toLowerCase() !== 'identity' && { encoding }),
    };
  }

  /** Ends every connection, in-flight requests included. */
  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }
}
