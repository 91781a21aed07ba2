import { connect, isIP, Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import { preview, UnexpectedOutputError } from './unexpected-output';

/** Where an HAProxy runtime API (stats socket) listens, in HAProxy's own address syntax. */
export type RuntimeApiAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/**
 * Accepts what a `stats socket` line accepts: an absolute path or `unix@/path`, `ipv4@host:port`,
 * `ipv6@[addr]:port`. Anything else is refused rather than guessed.
 */
export function parseRuntimeApiAddress(text: string): RuntimeApiAddress {
  const value = text.trim();
  if (value.startsWith('unix@')) {
    return unixAddress(value.slice('unix@'.length));
  }
  if (isAbsolute(value)) {
    return unixAddress(value);
  }
  const tcp = /^(ipv4|ipv6)@(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (tcp) {
    const [, family, bracketed, plain, portText] = tcp;
    const host = bracketed ?? plain;
    const port = Number(portText);
    if (port < 1 || port > 65_535) {
      throw new Error(`port out of range in "${text}"`);
    }
    if (family === 'ipv6' && isIP(host) !== 6) {
      throw new Error(`"${host}" is not an IPv6 address`);
    }
    if (family === 'ipv4' && isIP(host) === 6) {
      throw new Error(`"${host}" is an IPv6 address; use ipv6@[${host}]:${port}`);
    }
    return { kind: 'tcp', host, port };
  }
  throw new Error(`"${text}" is not a runtime API address (use /path/to/admin.sock, unix@/path or ipv4@host:port)`);
}

function unixAddress(path: string): RuntimeApiAddress {
  if (!isAbsolute(path)) {
    throw new Error(`unix socket path "${path}" must be absolute`);
  }
  return { kind: 'unix', path };
}

export function formatRuntimeApiAddress(address: RuntimeApiAddress): string {
  if (address.kind === 'unix') {
    return address.path;
  }
  return isIP(address.host) === 6 ? `ipv6@[${address.host}]:${address.port}` : `ipv4@${address.host}:${address.port}`;
}

/** HAProxy could not be reached or did not answer; `kind` says which, for the HTTP status. */
export class RuntimeApiError extends Error {
  constructor(
    /** `not_sent`: the caller went away before the command was written, so HAProxy never got it. */
    readonly kind: 'unreachable' | 'timeout' | 'too_large' | 'not_sent',
    message: string,
    /** The socket error's code (ECONNREFUSED, EAGAIN, ...) when there was one. */
    readonly code?: string
  ) {
    super(message);
  }
}

/** `show stat` of thousands of servers is a few MB; far beyond that something is wrong. */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/**
 * HAProxy serves `stats maxconn` (default 10) connections of a stats socket at once and queues about as
 * many more; a connection beyond that is refused at once (EAGAIN on a unix socket). So the agent opens at
 * most this many to one address, and a burst of requests (a fleet's commands) waits its turn instead of
 * failing with 502; other clients of the socket keep room too.
 */
const MAX_CONNECTIONS_PER_ADDRESS = 4;
/** Pause before connecting again after EAGAIN (the socket's queue full of other clients' connections). */
const RETRY_REFUSED_MS = 20;

const connectionSlots = new Map<string, { active: number; waiting: Array<() => void> }>();

/** Waits for one of the address's connection slots; resolves its release, or null when `timeoutMs` passes first. */
function acquireSlot(key: string, timeoutMs: number): Promise<(() => void) | null> {
  const slots = connectionSlots.get(key) ?? { active: 0, waiting: [] };
  connectionSlots.set(key, slots);
  const release = () => {
    const next = slots.waiting.shift();
    if (next) {
      next(); // the slot passes straight to the next in line
      return;
    }
    slots.active -= 1;
    if (slots.active === 0) {
      connectionSlots.delete(key);
    }
  };
  if (slots.active < MAX_CONNECTIONS_PER_ADDRESS) {
    slots.active += 1;
    return Promise.resolve(release);
  }
  return new Promise((resolve) => {
    const grant = () => {
      clearTimeout(timer);
      resolve(release);
    };
    const timer = setTimeout(() => {
      slots.waiting.splice(slots.waiting.indexOf(grant), 1);
      resolve(null);
    }, timeoutMs);
    slots.waiting.push(grant);
  });
}

/**
 * Sends one command on a fresh connection and reads HAProxy's reply until it closes the
 * connection (non-interactive mode). The whole exchange, waiting for a connection slot included,
 * has one deadline, so a socket that accepts and never answers costs at most `timeoutMs`.
 * Once `cancel` is aborted the command is not written any more (a caller that gave up must not have
 * it applied behind its back); one already written is read to the end.
 */
export async function runtimeApiExchange(
  address: RuntimeApiAddress,
  command: string,
  timeoutMs: number,
  cancel?: AbortSignal
): Promise<string> {
  const where = formatRuntimeApiAddress(address);
  const deadline = Date.now() + timeoutMs;
  const timedOut = () =>
    new RuntimeApiError('timeout', `HAProxy runtime API at ${where} did not answer within ${timeoutMs} ms`);
  const release = await acquireSlot(where, timeoutMs);
  if (!release) {
    throw timedOut();
  }
  try {
    for (;;) {
      try {
        const reply = await exchangeOnce(address, where, command, deadline - Date.now(), timedOut, cancel);
        return notMasterCli(reply, where);
      } catch (err) {
        // A refused connection sent nothing, so it is safe to try again while the deadline allows.
        if (!(err instanceof RuntimeApiError && err.code === 'EAGAIN' && Date.now() + RETRY_REFUSED_MS < deadline)) {
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_REFUSED_MS));
      }
    }
  } finally {
    release();
  }
}

function exchangeOnce(
  address: RuntimeApiAddress,
  where: string,
  command: string,
  timeoutMs: number,
  timedOut: () => RuntimeApiError,
  cancel: AbortSignal | undefined
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket =
      address.kind === 'unix' ? connect({ path: address.path }) : connect({ host: address.host, port: address.port });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;

    const finish = (err: RuntimeApiError | null) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) {
        reject(err);
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    };

    const timer = setTimeout(() => finish(timedOut()), timeoutMs);

    // The last moment before HAProxy gets the command: after it, only its reply tells what happened.
    socket.on('connect', () =>
      cancel?.aborted
        ? finish(new RuntimeApiError('not_sent', `the request was cancelled before "${command}" was sent: not sent`))
        : socket.end(`${command}\n`)
    );
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) {
        finish(
          new RuntimeApiError('too_large', `HAProxy runtime API at ${where} sent more than ${MAX_REPLY_BYTES} bytes`)
        );
        return;
      }
      chunks.push(chunk);
    });
    socket.on('end', () => finish(null));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(
        new RuntimeApiError(
          'unreachable',
          `HAProxy runtime API at ${where} is not reachable: ${err.code ?? err.message}`,
          err.code
        )
      )
    );
  });
}

export class MasterCliError extends UnexpectedOutputError {}

/**
 * The master CLI (`-S`) runs none of a worker's commands: it answers each with "Unknown command" and the nearest
 * of its own, among which are commands only a master has (`@master`, `@<relative pid>`, `show proc`). Said once
 * here, for reads and commands alike, rather than as whatever the first parser makes of that text.
 */
const MASTER_SUGGESTION = /^\s+(@|show proc\s)/m;

function notMasterCli(reply: string, where: string): string {
  if (reply.startsWith('Unknown command') && MASTER_SUGGESTION.test(reply)) {
    throw new MasterCliError(
      `HAProxy runtime API at ${where} is HAProxy's master socket, which does not run these commands; ` +
        "give the agent a worker's stats socket (`stats socket ... level admin`)"
    );
  }
  return reply;
}

export class ReplyCountError extends UnexpectedOutputError {}

/**
 * Several commands on one connection (HAProxy runs `a;b;c` in order): one process answers all of them,
 * so their outputs describe the same configuration, and it costs one exchange. The commands come from
 * the command guard and the agent's own constants, never with a `;` or a newline of their own.
 */
export async function runtimeApiBatch(
  address: RuntimeApiAddress,
  commands: readonly string[],
  timeoutMs: number,
  cancel?: AbortSignal
): Promise<string[]> {
  if (commands.some((c) => /[;\n\r]/.test(c))) {
    throw new Error('a batched runtime-API command must not contain ";" or a line break');
  }
  return splitReplies(await runtimeApiExchange(address, commands.join(';'), timeoutMs, cancel), commands.length);
}

/**
 * HAProxy ends each command's output with an empty line (an empty output is that line alone), and none
 * of the outputs the agent batches holds an empty line of its own.
 */
export function splitReplies(reply: string, count: number): string[] {
  const lines = reply.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  const replies: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line.replace(/\r$/, '') === '') {
      replies.push(current.map((l) => `${l}\n`).join(''));
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) {
    replies.push(current.map((l) => `${l}\n`).join(''));
  }
  if (replies.length !== count) {
    throw new ReplyCountError(`expected ${count} replies from HAProxy, got ${replies.length}: ${preview(reply)}`);
  }
  return replies;
}
