import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BUDGET_EXCEEDED, DisruptionBudgets } from '../commands/disruption-budget';
import type { CommandResult } from '../commands/server-command';
import type { Db } from '../db/db';
import { AppError } from '../domain/errors';
import { NameFilter, nameFilter } from '../domain/glob';
import { OPERATION_STATES } from '../domain/operation';
import { AGENT_COMMANDS, AgentCommand, SERVER_STATUSES, ServerStatus } from '../domain/status';
import type { BreakerRegistry, BreakerState } from '../fagent/breaker';
import { BreakerOpenError } from '../fagent/errors';
import { metricsInstances } from '../store/instances';
import { operationCounts, serversPastDeadline } from '../store/operations';
import { ADMIN_STATES } from '../domain/server-state';
import { SERVER_CLASSES, ServerClass } from '../store/server-classes';
import { backendCounts, currentServerStates, driftingServers } from '../store/servers';
import type { SyncOutcome, SyncStatus } from '../sync/instance-sync';
import { GaugeFamily, labelString } from './exposition';

export interface MetricsOptions {
  /** Per-server series at all (off for very large fleets). */
  perServer: boolean;
  /** Only these instances' servers (names, `host/instance`, or globs); undefined = every instance. */
  serverInstances?: string[];
}

/** `unknown`: HAProxy's state after the command could not be told (commands/command-outcome.ts). */
export const COMMAND_RESULTS = [
  'success',
  'failure',
  'unknown',
  'breaker_open',
  'conflict',
  'budget_exceeded',
] as const;
export type CommandResultLabel = (typeof COMMAND_RESULTS)[number];
export const SYNC_RESULTS: readonly SyncStatus[] = ['ok', 'partial', 'failed', 'skipped'];
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];

// `haproxy_instance`, not `instance`: Prometheus sets `instance` to the scraped target (this backend), and a
// clash would rename ours to `exported_instance` or, with honor_labels, merge the series of two replicas.
const INSTANCE_LABELS = ['haproxy_instance', 'host'] as const;
const STATE_LABEL = Object.fromEntries(SERVER_STATUSES.map((s) => [s, `state="${s}"`])) as Record<ServerStatus, string>;
const ADMIN_LABELS = [...ADMIN_STATES, 'unknown'] as const;
const CLASSES = Object.keys(SERVER_CLASSES) as ServerClass[];

const seconds = (d: Date) => d.getTime() / 1000;

/**
 * The service's Prometheus metrics. Counters are counted as things happen; fleet state is read from
 * PostgreSQL at scrape time (every replica exports the same values, whoever synced), breaker states from
 * this process. A registry per service, not prom-client's global one, so several services share a process.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private rendering?: Promise<readonly string[]>;

  private readonly commands = new Counter({
    name: 'haproxy_control_commands_total',
    help: 'Commands (drain, ready, maint, weight, shutdown-sessions) executed by this process, by command and result (success, failure = FAgent error, unknown, breaker_open, conflict = server no longer configured or busy, budget_exceeded = refused by a disruption budget).',
    labelNames: ['command', 'result'] as const,
    registers: [this.registry],
  });
  private readonly syncs = new Counter({
    name: 'haproxy_control_syncs_total',
    help: 'Instance syncs run by this process, by result (ok, partial = some backends failed, failed, skipped = another replica had it).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /** Per-instance gauges: few series, so prom-client's own; per-backend and per-server ones: exposition.ts. */
  private readonly g = {
    lastSync: this.gauge(
      'haproxy_control_instance_last_sync_timestamp_seconds',
      'When the instance was last synced (successfully or not); absent if never.',
      INSTANCE_LABELS
    ),
    lastSyncSuccess: this.gauge(
      'haproxy_control_instance_last_sync_success',
      '1 if the last sync of the instance succeeded, 0 if it failed; absent if never synced.',
      INSTANCE_LABELS
    ),
    lastSyncDuration: this.gauge(
      'haproxy_control_instance_last_sync_duration_seconds',
      'How long the last sync of the instance took.',
      INSTANCE_LABELS
    ),
    lastSuccess: this.gauge(
      'haproxy_control_instance_last_success_timestamp_seconds',
      'When the instance was last synced successfully; absent if never.',
      INSTANCE_LABELS
    ),
    failures: this.gauge(
      'haproxy_control_instance_consecutive_failures',
      'Failed syncs of the instance in a row (0 after a success).',
      INSTANCE_LABELS
    ),
    drifting: this.gauge(
      'haproxy_control_servers_drifting',
      'Current servers of the instance out of their desired state (HAProxy lost a drain, maint or ready and it is not repaired yet).',
      INSTANCE_LABELS
    ),
    breaker: this.gauge(
      'haproxy_control_instance_breaker_state',
      "This process's circuit breaker for the instance: 1 for its state (closed, open = FAgent calls paused, half_open = one trial call allowed), 0 for the others.",
      [...INSTANCE_LABELS, 'state']
    ),
    operations: this.gauge(
      'haproxy_control_operations',
      'Drain and ready jobs kept in PostgreSQL, by state (queued, running, succeeded, failed, cancelled).',
      ['state']
    ),
    pastDeadline: this.gauge(
      'haproxy_control_operation_servers_past_deadline',
      'Servers of drain jobs past their deadline with sessions left: still draining (the policy not applied yet), or left drained by on_deadline "fail".',
      []
    ),
    belowBudget: this.gauge(
      'haproxy_control_backends_below_budget',
      'Current backends with fewer available servers than their disruption budget (haproxy_control_backend_below_budget names them).',
      []
    ),
    applicationsBelowBudget: this.gauge(
      'haproxy_control_applications_below_budget',
      'Applications with a disruption budget and fewer available servers than it asks for (haproxy_control_application_below_budget names them).',
      []
    ),
    collectSeconds: this.gauge(
      'haproxy_control_metrics_collect_duration_seconds',
      'How long reading the fleet state for this scrape took.',
      []
    ),
  };

  /** Instances whose servers get per-server series, by name or `host/instance`; undefined = all. */
  private readonly perServerInstances?: NameFilter;

  constructor(
    private readonly db: Db,
    private readonly breakers: BreakerRegistry,
    private readonly budgets: DisruptionBudgets,
    private readonly opts: MetricsOptions
  ) {
    collectDefaultMetrics({ register: this.registry }); // process_* and nodejs_*, as every Node.js exporter names them
    // Gauges named *_total, which promtool's lint (and Prometheus' naming rules) reject.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
    // Every combination from the start, so rate() and increase() see the first event.
    for (const command of AGENT_COMMANDS) {
      for (const result of COMMAND_RESULTS) {
        this.commands.inc({ command, result }, 0);
      }
    }
    for (const result of SYNC_RESULTS) {
      this.syncs.inc({ result }, 0);
    }
    this.perServerInstances = opts.serverInstances && nameFilter(opts.serverInstances);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** ServerCommands' onResult hook. */
  observeCommand(command: AgentCommand, result: CommandResult): void {
    this.commands.inc({ command, result: commandResultLabel(result) });
  }

  observeSync(outcome: SyncOutcome): void {
    this.syncs.inc({ result: outcome.status });
  }

  /** The exposition text as one string (small fleets, tests); a scrape is served from renderChunks. */
  async render(): Promise<string> {
    return (await this.renderChunks()).join('');
  }

  /**
   * The exposition text in pieces of bounded length, to be written one after the other: a large fleet's text
   * is longer than V8's longest string. Concurrent scrapes share one database read.
   */
  renderChunks(): Promise<readonly string[]> {
    this.rendering ??= this.collect()
      .then(async (fleet) => [`${await this.registry.metrics()}\n`, ...fleet])
      .finally(() => {
        this.rendering = undefined;
      });
    return this.rendering;
  }

  /** Reads the fleet: sets the per-instance gauges, returns the per-backend and per-server families as text pieces. */
  private async collect(): Promise<string[]> {
    const started = process.hrtime.bigint();
    const instances = await metricsInstances(this.db, this.perServerInstances);
    const byId = new Map(instances.map((i) => [i.id, { haproxy_instance: i.instance, host: i.host }]));
    const serverIds = this.opts.perServer ? instances.filter((i) => i.per_server).map((i) => i.id) : [];
    const [backends, servers, drifting, operations, pastDeadline] = await Promise.all([
      backendCounts(this.db, [...byId.keys()]),
      serverIds.length === 0 ? Promise.resolve([]) : currentServerStates(this.db, serverIds),
      driftingServers(this.db, [...byId.keys()]),
      operationCounts(this.db),
      serversPastDeadline(this.db),
    ]);
    const [budgets, applicationBudgets] = await Promise.all([
      this.budgets.backendBudgets(
        this.db,
        backends.map((b) => b.backend_id)
      ),
      this.budgets.applicationBudgets(this.db),
    ]);

    for (const gauge of Object.values(this.g)) {
      gauge.reset();
    }

    for (const i of instances) {
      const labels = byId.get(i.id)!;
      this.g.failures.set(labels, i.consecutive_failures);
      if (i.last_sync_at) {
        this.g.lastSync.set(labels, seconds(i.last_sync_at));
      }
      if (i.last_sync_success !== null) {
        this.g.lastSyncSuccess.set(labels, i.last_sync_success ? 1 : 0);
      }
      if (i.last_sync_duration_ms !== null) {
        this.g.lastSyncDuration.set(labels, i.last_sync_duration_ms / 1000);
      }
      if (i.last_success_at) {
        this.g.lastSuccess.set(labels, seconds(i.last_success_at));
      }
      const breaker = this.breakers.state(i.id);
      for (const state of BREAKER_STATES) {
        this.g.breaker.set({ ...labels, state }, state === breaker ? 1 : 0);
      }
      this.g.drifting.set(labels, 0);
    }

    for (const state of OPERATION_STATES) {
      this.g.operations.set({ state }, operations.get(state) ?? 0);
    }
    this.g.pastDeadline.set(pastDeadline);
    this.g.belowBudget.set(0);
    const belowBudget = new GaugeFamily(
      'haproxy_control_backend_below_budget',
      'A backend with fewer available servers than its disruption budget (1), or not (0).'
    );

    // Every state and class of every backend, zeros included, so "UP / in service" never lacks a side.
    const backendServers = new GaugeFamily(
      'haproxy_control_backend_servers',
      'Servers of a backend in each state (also exported when per-server series are off).'
    );
    const onBackup = new GaugeFamily(
      'haproxy_control_backend_on_backup',
      'A backend running on its backup servers (1): it has active servers, none available, and a backup server available. Else 0.'
    );
    const backendClasses = new GaugeFamily(
      'haproxy_control_backend_servers_by_class',
      'Servers of a backend by the state model: available (ready, up and weight above 0), out_on_purpose (drain, maint or weight 0), failing (ready or unknown, weight above 0, and down), drifting, in_window.'
    );
    for (const { instance_id, backend_id, backend, counts, on_backup } of backends) {
      const labels = labelString({ ...byId.get(instance_id)!, backend });
      const below = budgets.get(backend_id)!.ok ? 0 : 1;
      this.g.belowBudget.inc(below);
      belowBudget.add(labels, below);
      onBackup.add(labels, on_backup ? 1 : 0);
      for (const state of SERVER_STATUSES) {
        backendServers.add(labels, counts.by_status[state], STATE_LABEL[state]);
      }
      for (const c of CLASSES) {
        backendClasses.add(labels, counts[c], `class="${c}"`);
      }
    }

    // Only applications with a budget: one without has nothing to fall below.
    const applicationBelowBudget = new GaugeFamily(
      'haproxy_control_application_below_budget',
      'An application with fewer available servers (on all its backends) than its disruption budget (1), or not (0).'
    );
    this.g.applicationsBelowBudget.set(0);
    for (const { name, budget } of applicationBudgets) {
      const below = budget.ok ? 0 : 1;
      this.g.applicationsBelowBudget.inc(below);
      // Names are unique per host only (one "shop" on each host, one without): the id keeps their series apart.
      applicationBelowBudget.add(labelString({ application: name, application_id: String(budget.id) }), below);
    }

    // Drifting servers whatever the per-server setting: few, and what the drift alert fires on.
    const drift = new GaugeFamily(
      'haproxy_control_server_drift',
      'A server out of its desired state (1), labelled with the desired admin state and the cause (reload, unknown).'
    );
    for (const d of drifting) {
      const labels = byId.get(d.instance_id)!;
      this.g.drifting.inc(labels);
      drift.add(
        labelString({ ...labels, backend: d.backend, server: d.server, application: d.application }),
        1,
        labelString({ desired: d.desired, cause: d.cause })
      );
    }

    const f = {
      status: new GaugeFamily(
        'haproxy_control_server_status',
        'Current status of a server: 1 for the state it is in, 0 for the others (MAINT and DRAIN are set on purpose).'
      ),
      sessions: new GaugeFamily(
        'haproxy_control_server_current_sessions',
        'Current sessions of a server as of the last sync.'
      ),
      maxSessions: new GaugeFamily(
        'haproxy_control_server_max_sessions',
        'Highest number of concurrent sessions HAProxy saw on a server.'
      ),
      weight: new GaugeFamily('haproxy_control_server_weight', 'Current weight of a server.'),
      admin: new GaugeFamily(
        'haproxy_control_server_admin_state',
        'What an operator decided of a server: 1 for its admin state (ready, drain, maint, or unknown when the agent and the status cannot tell), 0 for the others.'
      ),
    };
    for (let k = 0; k < servers.length; k++) {
      const s = servers[k];
      const labels = labelString({
        ...byId.get(s.instance_id)!,
        backend: s.backend,
        server: s.server,
        application: s.application,
      });
      for (const state of SERVER_STATUSES) {
        f.status.add(labels, state === s.status ? 1 : 0, STATE_LABEL[state]);
      }
      const admin = s.admin_state ?? 'unknown';
      for (const state of ADMIN_LABELS) {
        f.admin.add(labels, state === admin ? 1 : 0, `state="${state}"`);
      }
      f.sessions.add(labels, s.current_sessions);
      f.maxSessions.add(labels, s.max_sessions);
      f.weight.add(labels, s.weight);
      if (k % 5000 === 4999) {
        await new Promise((resolve) => setImmediate(resolve));
      } // let API requests through
    }
    this.g.collectSeconds.set(Number(process.hrtime.bigint() - started) / 1e9);
    return [
      backendServers,
      backendClasses,
      belowBudget,
      onBackup,
      applicationBelowBudget,
      drift,
      f.status,
      f.admin,
      f.sessions,
      f.maxSessions,
      f.weight,
    ].flatMap((family) => family.chunks());
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}

export function commandResultLabel(result: CommandResult): CommandResultLabel {
  if (result.ok) {
    return 'success';
  }
  if (result.action.result === 'unknown') {
    return 'unknown';
  }
  if (result.error instanceof BreakerOpenError) {
    return 'breaker_open';
  }
  if (result.error instanceof AppError && result.error.code === BUDGET_EXCEEDED) {
    return 'budget_exceeded';
  }
  if (result.error instanceof AppError && result.error.status === 409) {
    return 'conflict';
  }
  return 'failure';
}
