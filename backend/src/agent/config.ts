import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseRuntimeApiAddress, RuntimeApiAddress } from './runtime-api';

/** What the agent needs to run; the config file's shape is documented in docs/agent.md. */
export interface AgentConfig {
  listen: { host: string; port: number; tls?: AgentTls };
  token: string;
  /** Deadline for one runtime-API exchange (connect, send, read to the end). */
  requestTimeoutMs: number;
  /** How long one instance's dump answers further reads (0: shared only while in flight). */
  snapshotReuseMs: number;
  logLevel: LogLevel;
  instances: Map<string, RuntimeApiAddress>;
}

/** The agent's certificate chain and private key (PEM), read from listen.tls's files: it then answers https. */
export interface AgentTls {
  cert: Buffer;
  key: Buffer;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof logLevels)[number];

/** Shortest token accepted: anything shorter is guessable. */
const MIN_TOKEN_LENGTH = 16;
/** Visible ASCII only: what one word of an HTTP header carries unchanged. */
const BEARER_TOKEN = /^[\x21-\x7e]+$/;

const fileSchema = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(9102),
        tls: z
          .object({ cert_file: z.string().min(1), key_file: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 9102 }),
    token: z.string().optional(),
    request_timeout_ms: z.number().int().min(10).max(600_000).default(3000),
    // Long enough for one sync's requests to share a dump, short enough that polling never sees it.
    snapshot_reuse_ms: z.number().int().min(0).max(60_000).default(500),
    log_level: z.enum(logLevels).default('info'),
    instances: z
      .record(z.string().min(1, 'instance names must not be empty'), z.string().min(1, 'must be a runtime API address'))
      .refine((r) => Object.keys(r).length > 0, 'at least one instance is required'),
  })
  .strict();

export class AgentConfigError extends Error {}

/**
 * Validates the parsed config file; AGENT_TOKEN in env overrides the file's token so the
 * secret can stay out of the file. Every problem is reported at once.
 */
export function parseAgentConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): AgentConfig {
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AgentConfigError(`Invalid agent config:\n${problems.join('\n')}`);
  }
  const file = parsed.data;
  const problems: string[] = [];

  const token = env.AGENT_TOKEN?.trim() || file.token?.trim() || '';
  if (token.length < MIN_TOKEN_LENGTH) {
    problems.push(`  token: set "token" in the file or AGENT_TOKEN (at least ${MIN_TOKEN_LENGTH} characters)`);
  } else if (!BEARER_TOKEN.test(token)) {
    // "Authorization: Bearer <token>" carries one word of header-safe characters: any other token
    // could never be sent back, and every request would be a 401.
    problems.push('  token: use printable ASCII without spaces (letters, digits, punctuation)');
  }

  const instances = new Map<string, RuntimeApiAddress>();
  for (const [name, address] of Object.entries(file.instances)) {
    try {
      instances.set(name, parseRuntimeApiAddress(address));
    } catch (err) {
      problems.push(`  instances.${name}: ${(err as Error).message}`);
    }
  }

  const tls = file.listen.tls && readTls(file.listen.tls, problems);

  if (problems.length > 0) {
    throw new AgentConfigError(`Invalid agent config:\n${problems.join('\n')}`);
  }
  return {
    listen: { host: file.listen.host, port: file.listen.port, ...(tls && { tls }) },
    token,
    requestTimeoutMs: file.request_timeout_ms,
    snapshotReuseMs: file.snapshot_reuse_ms,
    logLevel: file.log_level,
    instances,
  };
}

/** listen.tls's files, checked as a pair that TLS can use; undefined after adding to `problems`. */
function readTls(files: { cert_file: string; key_file: string }, problems: string[]): AgentTls | undefined {
  const read = (path: string, field: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      problems.push(`  listen.tls.${field}: cannot read ${path}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const cert = read(files.cert_file, 'cert_file');
  const key = read(files.key_file, 'key_file');
  if (!cert || !key) {
    return undefined;
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    problems.push(`  listen.tls: the certificate and key cannot be used together: ${(err as Error).message}`);
    return undefined;
  }
  return { cert, key };
}

/** Reads a YAML (or JSON, which is YAML) config file. */
export function loadAgentConfig(path: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgentConfigError(`Cannot read agent config ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new AgentConfigError(`Agent config ${path} is not valid YAML: ${(err as Error).message}`);
  }
  return parseAgentConfig(raw, env);
}
