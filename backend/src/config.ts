import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import cron from 'node-cron';
import { z } from 'zod';
import { cidrProblem } from './fagent/networks';
import { MinAvailable, parseMinAvailable } from './domain/budget';
import { globProblem } from './domain/glob';
import type { Role } from './domain/roles';
import { parseSecretsKey } from './secrets/keys';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max: number) => z.coerce.number().int('must be an integer').min(min).max(max);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/**
 * A bearer token the service checks: what a client can send (Authorization: Bearer <token>), printable ASCII
 * without spaces, or no request could ever match it. The line end a secret file leaves is not part of it.
 */
const secretToken = optionalString.pipe(
  z
    .string()
    .trim()
    .min(24, 'must be at least 24 characters')
    .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces: it is sent as Authorization: Bearer <token>')
    .optional()
);

/** A file of PEM certificates, read at start: its text, or an issue saying why it cannot be used. */
const pemCertificatesFile = optionalString.transform((path, ctx) => {
  if (path === undefined) {
    return undefined;
  }
  try {
    const pem = readFileSync(path, 'utf8');
    new X509Certificate(pem); // the first one parses, or this throws
    return pem;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `${path}: not a readable PEM certificate (${(err as Error).message})` });
    return z.NEVER;
  }
});

const secretsKey = optionalString
  .superRefine((v, ctx) => {
    const key = v === undefined ? undefined : parseSecretsKey(v);
    if (typeof key === 'string') {
      ctx.addIssue({ code: 'custom', message: key });
    }
  })
  .transform((v) => (v === undefined ? undefined : (parseSecretsKey(v) as Buffer)));

/** Tokens the service creates at start; one value each, or one token would hold two roles. */
const BOOTSTRAP_TOKEN_VARIABLES = [
  'BOOTSTRAP_ADMIN_TOKEN',
  'BOOTSTRAP_GRAFANA_VIEWER_TOKEN',
  'BOOTSTRAP_GRAFANA_OPERATOR_TOKEN',
  'BOOTSTRAP_GRAFANA_ADMIN_TOKEN',
] as const;

/** Every setting the service reads from its environment, with the seed's defaults (docs/design.md). */
const envSchema = z.object({
  HAPROXY_ENABLED: bool.default(true),
  HAPROXY_POLLING_INTERVAL: int(1, 86_400).default(60),
  HAPROXY_CACHE_TTL: int(0, 86_400).default(30),
  HAPROXY_REQUEST_TIMEOUT: z.coerce.number().positive().max(600).default(10),
  HAPROXY_MAX_RETRIES: int(0, 10).default(3),
  HAPROXY_RETRY_BASE_DELAY_MS: int(0, 60_000).default(200),
  HAPROXY_CIRCUIT_BREAKER_THRESHOLD: int(1, 1000).default(5),
  HAPROXY_CIRCUIT_BREAKER_TIMEOUT: z.coerce.number().positive().max(86_400).default(300),
  HAPROXY_SYNC_CONCURRENCY: int(1, 1024).default(16),
  HAPROXY_SYNC_HOST_CONCURRENCY: int(1, 256).default(4),
  /** How late the event loop may run while the API is read before a cycle runs fewer syncs at once; 0: never. */
  HAPROXY_SYNC_READER_LAG_MS: int(0, 10_000).default(10),
  HAPROXY_FETCH_CONCURRENCY: int(1, 256).default(8),
  /** Threads that decode large /state answers off the event loop; 0 decodes them on it. */
  HAPROXY_DECODE_THREADS: int(0, 64).default(Math.min(4, availableParallelism())),
  /** The decoding threads' niceness (Linux): batch work that gives the API's event loop the CPU first; 0 keeps the process's. */
  HAPROXY_DECODE_NICE: int(0, 19).default(10),
  /** Unset: twice the request timeout plus 10 s (a backend list and a server list, with room for the database). */
  HAPROXY_SYNC_DEADLINE: z.coerce.number().positive().max(3600).optional(),
  HAPROXY_REMOVAL_MAX_SHARE: z.coerce.number().min(0).max(1).default(0.5),
  HAPROXY_REMOVAL_CONFIRM_SYNCS: int(1, 100).default(3),
  /** Every backend's disruption budget unless it has its own: a count or "N%". */
  HAPROXY_MIN_AVAILABLE: z
    .string()
    .default('1')
    .transform((v, ctx) => {
      const min = parseMinAvailable(v);
      if (typeof min === 'string') {
        ctx.addIssue({ code: 'custom', message: min });
        return z.NEVER;
      }
      return min;
    }),
  /** Seconds between a job's looks at its servers (fresh from the agent); 0: this replica runs no jobs. */
  HAPROXY_OPERATION_POLL_INTERVAL: z.coerce.number().min(0).max(3600).default(2),
  /** Seconds a job's server whose command fails for a reason that may pass (agent unreachable, 5xx) is tried again. */
  HAPROXY_OPERATION_RETRY_S: z.coerce.number().min(0).max(86_400).default(300),
  /** Seconds between looks for maintenance windows that ended; 0 turns the worker off. */
  HAPROXY_WINDOW_CHECK_INTERVAL: z.coerce.number().min(0).max(3600).default(5),
  HAPROXY_FAGENT_TOKEN: optionalString,
  HAPROXY_FAGENT_MAX_BODY_BYTES: int(65_536, 1_073_741_824).default(33_554_432),
  HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND: int(1, 1_000_000).default(10_000),
  HAPROXY_FAGENT_MAX_BACKENDS_PER_INSTANCE: int(1, 1_000_000).default(10_000),
  HAPROXY_FAGENT_ALLOWED_NETWORKS: optionalString
    .transform((v) =>
      v
        ?.split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    )
    .superRefine((cidrs, ctx) => {
      for (const problem of (cidrs ?? []).map(cidrProblem).filter(Boolean)) {
        ctx.addIssue({ code: 'custom', message: problem! });
      }
    }),
  HAPROXY_FAGENT_CA_FILE: pemCertificatesFile,
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65_535).default(8080),
  DATABASE_URL: optionalString.pipe(z.string().url('must be a postgres:// URL').optional()),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: int(1, 65_535).default(54_329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BOOTSTRAP_ADMIN_TOKEN: secretToken,
  BOOTSTRAP_GRAFANA_VIEWER_TOKEN: secretToken,
  BOOTSTRAP_GRAFANA_OPERATOR_TOKEN: secretToken,
  BOOTSTRAP_GRAFANA_ADMIN_TOKEN: secretToken,
  SECRETS_KEY: secretsKey,
  SECRETS_KEY_PREVIOUS: secretsKey,
  DATABASE_READ_POOL_SIZE: int(1, 100).default(4),
  /** Off behind a transaction-pooling proxy that does not carry prepared statements across its connections. */
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  /** Off behind a proxy that does not pass several statements in flight on one connection. */
  DATABASE_PIPELINE: bool.default(true),
  API_STATEMENT_TIMEOUT: z.coerce.number().positive().max(3600).default(10),
  MAX_BODY_BYTES: int(1024, 10_000_000).default(1_000_000),
  METRICS_PORT: int(0, 65_535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_TOKEN: secretToken,
  METRICS_PER_SERVER: bool.default(true),
  METRICS_SERVER_INSTANCES: optionalString
    .transform((v) =>
      v
        ?.split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    )
    .superRefine((patterns, ctx) => {
      for (const p of patterns ?? []) {
        const problem = globProblem(p);
        if (problem) {
          ctx.addIssue({ code: 'custom', message: `"${p.slice(0, 50)}" ${problem}` });
        }
      }
    }),
  GRAFANA_DB_PASSWORD: optionalString,
  HAPROXY_METRICS_RAW_RETENTION_HOURS: int(1, 720).default(24),
  HAPROXY_METRICS_5M_RETENTION_DAYS: int(1, 365).default(3),
  HAPROXY_METRICS_RETENTION_DAYS: int(1, 3650).default(30),
  HAPROXY_METRICS_MAINTENANCE_CRON: z
    .string()
    .refine((v) => cron.validate(v), 'must be a cron expression, e.g. "* * * * *"')
    .default('* * * * *'),
});

/** Checks across variables, after each variable's own. */
const checkedEnvSchema = envSchema.superRefine((e, ctx) => {
  const seen = new Map<string, string>();
  for (const variable of BOOTSTRAP_TOKEN_VARIABLES) {
    const value = e[variable];
    if (value && seen.has(value)) {
      ctx.addIssue({ code: 'custom', path: [variable], message: `must differ from ${seen.get(value)}` });
    } else if (value) {
      seen.set(value, variable);
    }
  }
  if (e.SECRETS_KEY_PREVIOUS && !e.SECRETS_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['SECRETS_KEY_PREVIOUS'],
      message: 'needs SECRETS_KEY, the key to rotate to',
    });
  }
  if (e.SECRETS_KEY_PREVIOUS && e.SECRETS_KEY?.equals(e.SECRETS_KEY_PREVIOUS)) {
    ctx.addIssue({ code: 'custom', path: ['SECRETS_KEY_PREVIOUS'], message: 'must differ from SECRETS_KEY' });
  }
});

export interface AppConfig {
  enabled: boolean;
  pollingIntervalSec: number;
  cacheTtlSec: number;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  breakerThreshold: number;
  breakerResetTimeoutMs: number;
  syncConcurrency: number;
  syncHostConcurrency: number;
  /** sync/reader-priority.ts; 0: cycles always run syncConcurrency syncs at once. */
  syncReaderLagMs: number;
  fetchConcurrency: number;
  decodeThreads: number;
  decodeNice: number;
  /** The total time one instance sync may take (fetch and write), and one command (agent call and read back). */
  syncDeadlineMs: number;
  /** Removals of more than this share of an instance's backends or servers (or of a backend's servers) are held. */
  removalMaxShare: number;
  /** Identical suspicious answers in a row that apply a held removal without an admin. */
  removalConfirmSyncs: number;
  /** How often due maintenance windows are ended (0: never). */
  windowCheckIntervalMs: number;
  /** HAPROXY_MIN_AVAILABLE: the disruption budget of every backend without its own. */
  minAvailable: MinAvailable;
  /** How often a job looks at its servers and acts (0: this replica runs no jobs). */
  operationPollMs: number;
  /** How long a replica's claim on a job lasts without a heartbeat: a replica that died loses its jobs after it. */
  operationLeaseMs: number;
  /** How long a job's server is tried again while its commands fail for a reason that may pass (0: never). */
  operationRetryMs: number;
  fagentToken?: string;
  /** Limits on one FAgent answer: body bytes, servers per backend, backends per instance. */
  fagentMaxBodyBytes: number;
  fagentMaxServersPerBackend: number;
  fagentMaxBackendsPerInstance: number;
  /** CIDRs the resolved address of every FAgent connection must be in; unset = any address. */
  fagentAllowedNetworks?: string[];
  /** PEM certificates https FAgents are checked against (HAPROXY_FAGENT_CA_FILE), in place of the system's. */
  fagentCa?: string;
  host: string;
  port: number;
  databaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  bootstrapAdminToken?: string;
  /** BOOTSTRAP_GRAFANA_<ROLE>_TOKEN: tokens `grafana-<role>` with the Grafana flag, for the plugin's proxy routes. */
  bootstrapGrafanaTokens: Partial<Record<Role, string>>;
  /** SECRETS_KEY: agent tokens are encrypted at rest (AES-256-GCM) under it; unset = stored as given. */
  secretsKey?: Buffer;
  /** SECRETS_KEY_PREVIOUS: still opens what it encrypted, which is encrypted again under secretsKey at start. */
  secretsKeyPrevious?: Buffer;
  /** Connections of the API's read pool (GET routes, trend queries, lookups, summary); syncs and writes keep theirs. */
  readPoolSize: number;
  /** Repeated statements run prepared (db/db.ts StatementNames). */
  preparedStatements: boolean;
  /** Statements that do not wait for each other go out together (db/db.ts ConnectionDb). */
  pipeline: boolean;
  /** How long one statement of the API's reads may run before PostgreSQL cancels it (503 query_timeout). */
  apiStatementTimeoutMs: number;
  maxBodyBytes: number;
  /** Set: /metrics on its own port without auth; unset: /metrics on the API port behind a bearer token. */
  metricsPort?: number;
  metricsHost: string;
  /** Accepted at /metrics on the API port besides any API token. */
  metricsToken?: string;
  metricsPerServer: boolean;
  /** Instance names (or host/instance) or globs whose servers get per-server series; unset = all. */
  metricsServerInstances?: string[];
  /** Password of the read-only role Grafana's alert rules use (haproxy_control_grafana); unset = no login. */
  grafanaDbPassword?: string;
  /** Metric history (src/history): raw samples, 5-minute and 1-hour roll-ups are kept this long. */
  metricsRawRetentionHours: number;
  metrics5mRetentionDays: number;
  metricsRetentionDays: number;
  /** node-cron schedule of roll-ups, partitions and retention. */
  metricsMaintenanceCron: string;
}

export class ConfigError extends Error {}

/** Reads and validates the environment; every problem is listed in one clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // A variable set to nothing (`PORT=` in an env file, `${VAR:-}` in compose) is unset: coerced, it would be 0 (port
  // 0, jobs and window ends turned off, no retries) or fail where the default was meant.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = checkedEnvSchema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  return {
    enabled: e.HAPROXY_ENABLED,
    pollingIntervalSec: e.HAPROXY_POLLING_INTERVAL,
    cacheTtlSec: e.HAPROXY_CACHE_TTL,
    requestTimeoutMs: Math.round(e.HAPROXY_REQUEST_TIMEOUT * 1000),
    maxRetries: e.HAPROXY_MAX_RETRIES,
    retryBaseDelayMs: e.HAPROXY_RETRY_BASE_DELAY_MS,
    breakerThreshold: e.HAPROXY_CIRCUIT_BREAKER_THRESHOLD,
    breakerResetTimeoutMs: Math.round(e.HAPROXY_CIRCUIT_BREAKER_TIMEOUT * 1000),
    syncConcurrency: e.HAPROXY_SYNC_CONCURRENCY,
    syncHostConcurrency: e.HAPROXY_SYNC_HOST_CONCURRENCY,
    syncReaderLagMs: e.HAPROXY_SYNC_READER_LAG_MS,
    fetchConcurrency: e.HAPROXY_FETCH_CONCURRENCY,
    decodeThreads: e.HAPROXY_DECODE_THREADS,
    decodeNice: e.HAPROXY_DECODE_NICE,
    syncDeadlineMs: Math.round((e.HAPROXY_SYNC_DEADLINE ?? 2 * e.HAPROXY_REQUEST_TIMEOUT + 10) * 1000),
    removalMaxShare: e.HAPROXY_REMOVAL_MAX_SHARE,
    removalConfirmSyncs: e.HAPROXY_REMOVAL_CONFIRM_SYNCS,
    windowCheckIntervalMs: Math.round(e.HAPROXY_WINDOW_CHECK_INTERVAL * 1000),
    minAvailable: e.HAPROXY_MIN_AVAILABLE,
    operationPollMs: Math.round(e.HAPROXY_OPERATION_POLL_INTERVAL * 1000),
    operationLeaseMs: Math.max(15_000, Math.round(e.HAPROXY_OPERATION_POLL_INTERVAL * 5000)),
    operationRetryMs: Math.round(e.HAPROXY_OPERATION_RETRY_S * 1000),
    fagentToken: e.HAPROXY_FAGENT_TOKEN,
    fagentMaxBodyBytes: e.HAPROXY_FAGENT_MAX_BODY_BYTES,
    fagentMaxServersPerBackend: e.HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND,
    fagentMaxBackendsPerInstance: e.HAPROXY_FAGENT_MAX_BACKENDS_PER_INSTANCE,
    fagentAllowedNetworks: e.HAPROXY_FAGENT_ALLOWED_NETWORKS?.length ? e.HAPROXY_FAGENT_ALLOWED_NETWORKS : undefined,
    fagentCa: e.HAPROXY_FAGENT_CA_FILE,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    logLevel: e.LOG_LEVEL,
    bootstrapAdminToken: e.BOOTSTRAP_ADMIN_TOKEN,
    bootstrapGrafanaTokens: {
      viewer: e.BOOTSTRAP_GRAFANA_VIEWER_TOKEN,
      operator: e.BOOTSTRAP_GRAFANA_OPERATOR_TOKEN,
      admin: e.BOOTSTRAP_GRAFANA_ADMIN_TOKEN,
    },
    secretsKey: e.SECRETS_KEY,
    secretsKeyPrevious: e.SECRETS_KEY_PREVIOUS,
    readPoolSize: e.DATABASE_READ_POOL_SIZE,
    preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    pipeline: e.DATABASE_PIPELINE,
    apiStatementTimeoutMs: Math.round(e.API_STATEMENT_TIMEOUT * 1000),
    maxBodyBytes: e.MAX_BODY_BYTES,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    metricsToken: e.METRICS_TOKEN,
    metricsPerServer: e.METRICS_PER_SERVER,
    metricsServerInstances: e.METRICS_SERVER_INSTANCES?.length ? e.METRICS_SERVER_INSTANCES : undefined,
    grafanaDbPassword: e.GRAFANA_DB_PASSWORD,
    metricsRawRetentionHours: e.HAPROXY_METRICS_RAW_RETENTION_HOURS,
    metrics5mRetentionDays: e.HAPROXY_METRICS_5M_RETENTION_DAYS,
    metricsRetentionDays: e.HAPROXY_METRICS_RETENTION_DAYS,
    metricsMaintenanceCron: e.HAPROXY_METRICS_MAINTENANCE_CRON,
  };
}
