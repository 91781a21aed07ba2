/**
 * Types of the backend REST API (its contract: backend/openapi.yaml), shared by the app and the data source.
 * The resources' JSON is snake_case; the history query's (Grafana's data frames) is camelCase.
 */

export const SERVER_STATUSES = ['UP', 'DOWN', 'DRAIN', 'MAINT', 'NOLB', 'UNKNOWN'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];
/** The statuses an operator filters by (UNKNOWN is shown but not offered as a filter). */
export const FILTER_STATUSES = ['UP', 'DOWN', 'DRAIN', 'MAINT', 'NOLB'] as const;

export type StatusCounts = Partial<Record<ServerStatus, number>>;

/** What an operator (or HAProxy's configuration) decided: the admin state, apart from health. */
export const ADMIN_STATES = ['ready', 'drain', 'maint'] as const;
export type AdminState = (typeof ADMIN_STATES)[number];
/** Why a server is in maintenance: set in the configuration, forced at runtime, through `track`, or DNS. */
export type MaintSource = 'config' | 'forced' | 'inherited' | 'resolution';
/** What health checks found. */
export type OperationalState = 'up' | 'down' | 'starting' | 'stopping';
export type ReconcilePolicy = 'reapply' | 'alert';

/** The admin state we were asked to keep: by whom, why, since when, and until when (a maintenance window). */
export interface DesiredState {
  admin_state: AdminState;
  actor: string;
  reason: string | null;
  source: ActionSource;
  set_at: string;
  until: string | null;
}

/** HAProxy disagreeing with the desired state (e.g. a reload dropped a drain), until it is re-applied. */
export interface Drift {
  since: string;
  desired: AdminState;
  actual: AdminState | null;
  cause: 'reload' | 'unknown';
  policy: ReconcilePolicy;
  attempts: number;
  last_error: string | null;
}

/** The state model's counts over a set of servers (the README's table: the UI and the alerts use these words). */
export interface StateCounts {
  /** admin ready and operational up */
  available: number;
  /** admin drain or maint, whatever the health */
  out_on_purpose: number;
  /** admin ready (or unknown) and down */
  failing: number;
  /** HAProxy disagrees with the desired state */
  drifting: number;
  /** in a maintenance window that has not ended */
  in_window: number;
}

export type ApiRole = 'viewer' | 'operator' | 'admin';
export type ServerCommand = 'drain' | 'ready' | 'maint';
export const SERVER_COMMANDS: ServerCommand[] = ['drain', 'ready', 'maint'];
/** Every command the agent takes: the admin states, a weight, and cutting a server's sessions. */
export type AgentCommand = ServerCommand | 'weight' | 'shutdown-sessions';
/** What a user may send to one server, in the order the pages offer them. */
export const AGENT_COMMANDS: AgentCommand[] = [...SERVER_COMMANDS, 'weight', 'shutdown-sessions'];
/** The weight command's value: 0..256, or a percentage of the configured weight ("50%"). */
export type WeightSetting = number | `${number}%`;

export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'budget_exceeded'
  | 'operation_conflict'
  | 'haproxy_refused'
  | 'fagent_error'
  | 'breaker_open'
  | 'internal';

export interface ApiErrorBody {
  /** `details`: what the code needs besides words (a budget refusal's numbers, the conflicting operation). */
  error: { code: ApiErrorCode | string; message: string; details?: unknown };
}

/** GET /api/tokens: a backend API token as an admin sees it (never the token or its hash). */
export interface ApiToken {
  id: number;
  name: string;
  role: ApiRole;
  /** Made for Grafana's plugin proxy: the only kind whose X-Grafana-User names the actor. */
  grafana: boolean;
  created_at: string;
  /** `grafana:<login>` / `token:<name>` (the API), `cli`, `config`; null when older than the column. */
  created_by: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  /** Refused from then on; null: never expires. */
  expires_at: string | null;
}

/** What the admin change log records a change of (a budget is its backend's or application's; a mapping or a moved
 * window its server's). */
export const ADMIN_ENTITY_KINDS = ['host', 'instance', 'application', 'backend', 'server', 'api_token'] as const;
export type AdminEntityKind = (typeof ADMIN_ENTITY_KINDS)[number];

export const ADMIN_CHANGE_ACTIONS = [
  'created',
  'updated',
  'deleted',
  'budget_set',
  'budget_cleared',
  'mapping_set',
  'window_moved',
  'restored',
  'forgotten',
  'revoked',
] as const;
export type AdminChangeAction = (typeof ADMIN_CHANGE_ACTIONS)[number];

/** GET /api/admin/changes: one administrative change (never a secret: an agent token only as `set`, `none`, ...). */
export interface AdminChange {
  id: number;
  changed_at: string;
  /** `grafana:<login>`, `token:<name>`, `cli` */
  actor: string;
  entity_kind: AdminEntityKind;
  entity_id: number;
  /** Its name then; a backend as `instance/backend`, a server as `instance/backend/server`. */
  entity_name: string;
  action: AdminChangeAction;
  summary: string;
  /** The changed fields before (null for a creation); the whole record for a deletion. */
  before: Record<string, unknown> | null;
  /** The changed fields after (null for a deletion); the whole record for a creation. */
  after: Record<string, unknown> | null;
}

/** GET /api/admin/changes: filters and a keyset page (`after`: a page's `next`). */
export interface AdminChangeQuery {
  entity_kind?: AdminEntityKind;
  entity_id?: number;
  /** Exact, e.g. `grafana:alice` */
  actor?: string;
  action?: AdminChangeAction;
  since?: string;
  until?: string;
  limit?: number;
  after?: string;
}

export interface AdminChangeList {
  changes: AdminChange[];
  total: number;
  /** The key of the next page (pass it as `after`); null on the last page. */
  next: string | null;
}

/** POST /api/tokens */
export interface ApiTokenInput {
  name: string;
  role: ApiRole;
  grafana: boolean;
  /** In the future; unset: never expires. */
  expires_at?: string;
}

/** The answer to POST /api/tokens: the only time the token is shown. */
export interface CreatedApiToken {
  token: string;
  record: ApiToken;
}

/** GET /api/me: who the proxy route's token is. */
export interface Me {
  token_name: string;
  role: ApiRole;
  /** A token made for Grafana (`--grafana`): the only kind whose X-Grafana-User names the actor. */
  grafana?: boolean;
  /** `grafana:<login>` or `token:<name>` */
  actor?: string;
  /** When the token stops working; null or absent: never. */
  expires_at?: string | null;
}

export interface FailingInstance {
  id: number;
  name: string;
  host_name: string;
  last_sync_error: string | null;
  last_sync_at: string | null;
}

export interface Summary {
  instances: { total: number; active: number; failing: number; breaker_open: number };
  backends: number;
  servers: { total: number; by_status: StatusCounts } & StateCounts;
  last_sync_at: string | null;
  failing_instances: FailingInstance[];
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * A sync's answer that would have removed too much at once (every backend, every server of a backend, or more
 * than the configured share): held, nothing removed, until it comes back on `required` consecutive syncs or an
 * admin confirms it (POST /api/haproxy/instances/{id}/removals/confirm).
 */
export interface SuspiciousAnswer {
  since: string;
  consecutive: number;
  required: number;
  backends_removed: number;
  backends_total: number;
  servers_removed: number;
  servers_total: number;
  /** 0..1 */
  share: number;
  message: string;
}

export interface Instance {
  id: number;
  name: string;
  host_id: number;
  host_name: string;
  is_active: boolean;
  socket_path: string | null;
  backend_scope: string[] | null;
  last_sync_at: string | null;
  last_sync_success: boolean | null;
  last_sync_error: string | null;
  last_sync_duration_ms: number | null;
  consecutive_failures: number;
  breaker_state: BreakerState;
  backend_count: number;
  server_count: number;
  /** A held removal (absent from backends that do not hold removals). */
  suspicious_answer?: SuspiciousAnswer | null;
  created_at: string;
  updated_at: string;
}

/** POST /api/haproxy/instances; PATCH takes any of these but host_id. */
export interface InstanceInput {
  host_id: number;
  name: string;
  socket_path?: string | null;
  is_active?: boolean;
  backend_scope?: string[] | null;
}

export interface Backend {
  id: number;
  instance_id: number;
  backend_name: string;
  server_count: number;
  status_counts: StatusCounts;
  created_at: string;
  updated_at: string;
  /** Absent from backends older than the guard (issue 9). */
  budget?: Budget;
}

/** A disruption budget's minimum: a count of servers, or a percentage ("50%") of the servers that count. */
export type MinAvailable = number | string;

/**
 * How many servers of a backend (or of an application, across its backends and instances) must stay available
 * (admin ready and operationally up), and how many are now. Backends default to HAPROXY_MIN_AVAILABLE.
 */
export interface Budget {
  scope: 'backend' | 'application';
  id: number;
  /** null: no budget (applications have no default) */
  min_available: MinAvailable | null;
  source: 'backend' | 'application' | 'default';
  /** The count the minimum means now. */
  effective_min: number;
  servers_counted: number;
  available: number;
  ok: boolean;
}

/** The details of a 409 `budget_exceeded`: which budget, its numbers, and the servers it kept in. */
export interface BudgetRefusal {
  scope: 'backend' | 'application';
  backend_id: number | null;
  backend: string | null;
  instance: string | null;
  application_id: number | null;
  available: number;
  min_available: number;
  /** Servers not counted as available because their instance's statuses are stale (the message says so). */
  stale?: number;
  refused_server_ids: number[];
}

/** What a dry run says would happen to one server. */
export interface DryRunServer {
  server_id: number;
  server_name: string;
  backend: string;
  instance: string;
  /** skip: already out (or already ready); apply: a change that takes no available server out */
  would: 'take_out' | 'refuse' | 'skip' | 'apply';
  /** Why it is refused; for a take_out, what goes out with it (servers that track it). */
  reason: string | null;
}

/** `dry_run: true` on a bulk command or a job: what would happen, and the budgets after it. Nothing is done. */
export interface DryRun {
  dry_run: true;
  servers: DryRunServer[];
  budgets: Budget[];
}

export type MappingKind = 'manual' | 'auto';

export interface Server {
  id: number;
  backend_id: number;
  backend_name: string;
  instance_id: number;
  instance_name: string;
  server_name: string;
  address: string | null;
  status: ServerStatus;
  raw_status: string | null;
  weight: number | null;
  current_sessions: number | null;
  max_sessions: number | null;
  application_id: number | null;
  application_name: string | null;
  mapping_kind: MappingKind | null;
  mapping_note: string | null;
  status_changed_at: string | null;
  updated_at: string;
  /** null: unknown (the agent did not say and the status cannot tell) */
  admin_state: AdminState | null;
  maint_source: MaintSource | null;
  operational_state: OperationalState | null;
  initial_weight: number | null;
  /** "backend/server" it follows through HAProxy's `track`: it goes out whenever that one does. */
  tracks: string | null;
  /** A `backup` server: HAProxy sends it traffic only when no active server can take it. null: not said. */
  backup: boolean | null;
  /** null: nothing asked of us */
  desired: DesiredState | null;
  drift: Drift | null;
}

export interface ServerList {
  servers: Server[];
  total: number;
  /** The key of the next page (pass it as `after`); null on the last page. */
  next: string | null;
}

/**
 * What selects servers on the HAProxy page, as GET /api/haproxy/servers takes it; GET /api/haproxy/backends takes
 * the same (its `server_q` is the servers' `q`) and lists the backends with a server it selects.
 */
export interface ServerFilterParams {
  status?: ServerStatus;
  drift?: boolean;
  in_window?: boolean;
  q?: string;
}

/** Where a command came from: `reconcile` re-applies a drift, `schedule` ends a maintenance window. */
export const ACTION_SOURCES = ['ui', 'api', 'orchestrator', 'bulk', 'sync', 'reconcile', 'schedule'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number] | string;

/** How an audited command ended: `unknown` when the agent's answer failed and HAProxy could not tell. */
export const ACTION_RESULTS = ['success', 'failure', 'unknown', 'pending'] as const;
export type ActionResult = (typeof ACTION_RESULTS)[number];

export interface Action {
  id: number;
  server_id: number | null;
  instance_id: number | null;
  instance_name: string | null;
  backend_name: string | null;
  server_name: string | null;
  command: AgentCommand | 'confirm_removals';
  actor: string | null;
  source: ActionSource;
  operation_id: string | null;
  success: boolean;
  result: ActionResult;
  error: string | null;
  /** What the backend added: e.g. HAProxy took the command but still shows a maintenance that outranks it. */
  note: string | null;
  status_before: ServerStatus | null;
  status_after: ServerStatus | null;
  started_at: string;
  duration_ms: number | null;
  reason: string | null;
  /** The end of the maintenance window the command opened. */
  until: string | null;
  /** Sent with `force` past a disruption budget. */
  forced?: boolean;
}

export interface ActionList {
  actions: Action[];
  total: number;
}

/**
 * What a command may carry besides its name: a reason (at most 500 characters) and, for drain and maint, a
 * maintenance window as an end time or a duration (never both).
 */
export interface CommandOptions {
  reason?: string;
  until?: string;
  duration_s?: number;
  /** Past a disruption budget; needs a reason, and is audited as forced. */
  force?: boolean;
  /** The weight command's value. */
  weight?: WeightSetting;
  /** ready only: a gradual return, run as a one-server job (202 with the operation). */
  ramp?: Ramp;
}

/** A gradual return to service: weight steps in % of the configured weight, rising to 100, one per interval. */
export interface Ramp {
  steps: number[];
  interval_s: number;
}

export interface CommandResult {
  action: Action;
  server: Server;
}

/** One command on many servers: a result per server, all audited under one operation id. */
export interface BulkResult {
  operation_id: string;
  command: ServerCommand;
  total: number;
  succeeded: number;
  failed: number;
  results: BulkServerResult[];
}

export interface BulkServerResult {
  server_id: number;
  ok: boolean;
  action_id: number | null;
  error?: string;
  /** The audit row's note, when it has one (see Action.note). */
  note?: string;
  /** `budget_exceeded` with the refusal's details when the budget kept the server in. */
  error_code?: string;
  details?: BudgetRefusal;
}

/** One backend of the fleet (GET /api/haproxy/backends), zero-server ones included. */
export interface FleetBackend extends StateCounts {
  id: number;
  instance_id: number;
  instance_name: string;
  host_name: string;
  name: string;
  servers_total: number;
  /** How many of its servers the server filters select (servers_total without any). */
  shown: number;
  by_status: StatusCounts;
  /** It runs on its backup servers: it has active ones, none available, and a backup one available. */
  on_backup: boolean;
  /** Absent from backends older than the guard (issue 9). */
  budget?: Budget;
}

export interface FleetBackendList {
  backends: FleetBackend[];
  total: number;
  /** The key of the next page (pass it as `after`); null on the last page. */
  next: string | null;
}

export interface SyncAccepted {
  accepted: boolean;
  instance_id: number;
}

/** A manual sync's outcome (backend/openapi.yaml SyncOutcome); counts are null when the sync did not get so far. */
export interface SyncOutcome {
  instance_id: number;
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  error: string | null;
  duration_ms: number;
  backends: number | null;
  servers: number | null;
  changed_servers: number | null;
  removed_backends?: number | null;
  removed_servers?: number | null;
  removals_held: boolean | null;
  fenced_servers?: number | null;
  ambiguous_mappings?: number | null;
  restarted?: boolean | null;
  drifting?: number | null;
  reapplied?: number | null;
  reapply_failed?: number | null;
}

export interface Host {
  id: number;
  name: string;
  address: string | null;
  fagent_url: string;
  is_active: boolean;
  /** The token itself is never sent back. */
  has_fagent_token?: boolean;
  instance_count: number;
  created_at: string;
  updated_at: string;
}

/** POST /api/hosts; PATCH takes any of these. `fagent_token`: write-only, null clears it. */
export interface HostInput {
  name: string;
  address: string;
  fagent_url: string;
  fagent_token?: string | null;
  is_active?: boolean;
}

export interface Application {
  id: number;
  name: string;
  host_id: number | null;
  host_name: string | null;
  /** Current servers mapped to it. */
  server_count?: number;
  created_at: string;
}

/** GET /api/applications/{id}: with its own budget and each of its backends with theirs. */
export interface ApplicationDetail extends Application {
  budget: Budget;
  backends: FleetBackend[];
}

export interface ApplicationInput {
  name: string;
  host_id: number | null;
}

/** POST /api/hosts/test: an agent URL (saved or not) and the instances to read there. */
export interface AgentTestRequest {
  fagent_url: string;
  /** Omitted: the saved host's token, if the URL is still its own; null: none. */
  fagent_token?: string | null;
  host_id?: number;
  instances?: string[];
}

export interface AgentTest {
  ok: boolean;
  latency_ms: number;
  version?: string;
  error?: string;
  instances: Array<{
    name: string;
    reachable: boolean;
    latency_ms?: number;
    backends?: number;
    version?: string;
    error?: string;
  }>;
}

/** GET /api/haproxy/instances/{id}/scope-preview */
export interface ScopePreview {
  instance_id: number;
  scope: string[] | null;
  agent_error: string | null;
  backends: Array<{ name: string; in_scope: boolean; on_agent: boolean; stored: boolean }>;
  in_scope: number;
  out_of_scope: number;
}

export type RemovalReason = 'out_of_scope' | 'missing_from_agent' | 'with_backend';

export interface RemovedBackend {
  id: number;
  instance_id: number;
  instance_name: string;
  host_name: string;
  backend_name: string;
  removed_at: string;
  servers_removed: number;
  reason: RemovalReason;
  restorable: boolean;
}

export interface RemovedServer {
  id: number;
  backend_id: number;
  backend_name: string;
  instance_id: number;
  instance_name: string;
  host_name: string;
  server_name: string;
  address: string;
  status: ServerStatus;
  raw_status: string;
  application_name: string | null;
  removed_at: string;
  with_backend: boolean;
  backend_removed: boolean;
  last_command: string | null;
  last_command_actor: string | null;
  last_command_at: string | null;
  reason: RemovalReason;
  restorable: boolean;
}

/** GET /api/haproxy/removed */
export interface RemovedList {
  since: string;
  backends: RemovedBackend[];
  backends_total: number;
  servers: RemovedServer[];
  servers_total: number;
}

export interface Restored {
  backends: number;
  servers: number;
}

export type UnresolvedKind = 'any' | 'ambiguous' | 'unmatched';
export type UnresolvedReason =
  'no_address' | 'no_host' | 'ambiguous_host' | 'no_application' | 'ambiguous_application' | 'next_sync';

/** One entry of GET /api/haproxy/mappings/unresolved */
export interface UnresolvedServer {
  server: Server;
  reason: UnresolvedReason;
  address_key: string | null;
  matched_hosts: string[];
  /** Names are unique per host only: host_name tells two of the same name apart. */
  candidates: Array<{ id: number; name: string; host_id: number | null; host_name: string | null }>;
}

export interface UnresolvedList {
  servers: UnresolvedServer[];
  total: number;
}

/** GET /api/haproxy/actions: filters and paging of the audit log. */
export interface ActionQuery {
  server_id?: number;
  instance_id?: number;
  actor?: string;
  command?: ServerCommand;
  source?: ActionSource;
  success?: boolean;
  result?: ActionResult;
  since?: string;
  until?: string;
  limit?: number;
  offset?: number;
}

/** What POST /api/haproxy/query can answer (one frame list per refId). */
export const QUERY_TYPES = [
  'status_timeline',
  'status_counts',
  'sessions',
  'weight',
  'commands',
  'servers_table',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const AGGREGATES = ['sum', 'avg', 'max'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export const SCOPE_KEYS = ['instance', 'backend', 'server', 'application'] as const;
export type ScopeKey = (typeof SCOPE_KEYS)[number];

/**
 * What a query covers: each key a name, a glob (`web-*`, `{a,b}`) or a template variable (`$instance`);
 * a missing key (or `*` / All) means no filter, an empty scope the whole fleet.
 */
export type Scope = Partial<Record<ScopeKey, string>>;

/** POST /api/haproxy/query */
export interface QueryRequestBody {
  range: { from: string; to: string };
  maxDataPoints: number;
  intervalMs?: number;
  queries: Array<{ refId: string; type: QueryType; scope: Scope; aggregate?: Aggregate }>;
}

/** The answer of POST /api/haproxy/query: Grafana data frames (JSON) per refId. */
export interface QueryResponse<Frame = unknown> {
  results?: Record<string, { frames?: Frame[] }>;
}

/** The lookups behind template variables and the query editor's scope pickers: GET /api/haproxy/lookup/{kind}. */
export const LOOKUP_KINDS = ['instances', 'backends', 'servers', 'applications'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];

/** One change of a server's states (GET /api/haproxy/servers/{id}/history), newest first. */
export interface StatusChange {
  id: number;
  server_id: number;
  from_status: ServerStatus | null;
  to_status: ServerStatus;
  raw_status: string;
  /** Both null when the admin state did not change (or is unknown). */
  admin_from: AdminState | null;
  admin_to: AdminState | null;
  /** Both null when the operational state did not change. */
  operational_from: OperationalState | null;
  operational_to: OperationalState | null;
  cause: 'sync' | 'command' | 'reload' | 'reconcile' | 'schedule' | 'external' | 'removed' | 'restored' | string;
  note: string | null;
  changed_at: string;
}

/** Jobs (/api/haproxy/operations): a rolling drain that waits for sessions to end, or a return with a ramp. */
export type OperationAction = 'drain' | 'ready';
export const OPERATION_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];
/** What a drain job does when its deadline passes with sessions left: report, cut to maint, or cut sessions. */
export type DeadlinePolicy = 'fail' | 'maint' | 'shutdown_sessions';
export type OperationServerState =
  'pending' | 'draining' | 'waiting' | 'maint' | 'ramping' | 'done' | 'failed' | 'refused' | 'cancelled';

/** Exactly one of server_ids, backend_id, application_id. */
export type OperationSelection = { server_ids: number[] } | { backend_id: number } | { application_id: number };

export type OperationRequest = OperationSelection & {
  action: OperationAction;
  max_parallel?: number;
  deadline_s?: number;
  on_deadline?: DeadlinePolicy;
  /** drain: maint once sessions reach 0 (default), or null to leave them drained */
  then?: 'maint' | null;
  ramp?: Ramp;
  reason?: string;
  idempotency_key?: string;
  force?: boolean;
};

export interface OperationProgress {
  total: number;
  pending: number;
  active: number;
  done: number;
  failed: number;
  refused: number;
  cancelled: number;
}

export interface OperationServer {
  server_id: number;
  server_name: string;
  backend: string;
  instance: string;
  state: OperationServerState;
  sessions: number | null;
  weight: number | null;
  /** The ramp's step (index) it is on. */
  step: number | null;
  since: string;
  error: string | null;
}

export interface Operation {
  id: string;
  action: OperationAction;
  state: OperationState;
  actor: string | null;
  source: ActionSource;
  reason: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  deadline_at: string | null;
  max_parallel: number;
  on_deadline: DeadlinePolicy;
  then: 'maint' | null;
  ramp: Ramp | null;
  selection: Partial<{ server_ids: number[]; backend_id: number; application_id: number }>;
  error: string | null;
  progress: OperationProgress;
  servers: OperationServer[];
}

export interface OperationList {
  operations: Operation[];
  total: number;
}
