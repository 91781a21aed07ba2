import type { DataSource } from 'typeorm';
import { AdminState, OperationalState, stateFromStatus } from '../../src/domain/server-state';

/**
 * A fleet written straight into the tables the alert rules read, described compactly:
 * host -> instance -> backend -> servers, with the flags the rules filter on.
 */
export interface ServerSpec {
  name: string;
  status: 'UP' | 'DOWN' | 'DRAIN' | 'MAINT' | 'NOLB' | 'UNKNOWN';
  /** Minutes since the status changed (default 0). */
  sinceMin?: number;
  removed?: boolean;
  application?: string;
  /** The admin and operational states; by default what the status says (DOWN: admin unknown). */
  admin?: AdminState | null;
  operational?: OperationalState | null;
  /** Set ready (a command, a window's end, an adopted change) this many minutes ago: its desired state. */
  readiedMin?: number;
  /** Out of its desired state `desired` for this many minutes. */
  drift?: { desired: AdminState; sinceMin: number; cause?: 'reload' | 'unknown' };
  /** HAProxy's weight (default 1: a weight of 0 takes no traffic, and a budget does not count it). */
  weight?: number;
  /** A `backup` server (default: not said, null). */
  backup?: boolean;
}

export interface BackendSpec {
  name: string;
  removed?: boolean;
  servers: ServerSpec[];
}

export interface InstanceSpec {
  name: string;
  active?: boolean;
  consecutiveFailures?: number;
  breaker?: 'closed' | 'open' | 'half_open';
  backends?: BackendSpec[];
}

export interface HostSpec {
  name: string;
  active?: boolean;
  instances: InstanceSpec[];
}

/** A fresh fleet for the next case: the audit log too, which only its owner can empty (its trigger off). */
export async function clearFleet(ds: DataSource): Promise<void> {
  await ds.transaction(async (tx) => {
    await tx.query(`ALTER TABLE haproxy_actions DISABLE TRIGGER haproxy_actions_no_truncate`);
    await tx.query(`TRUNCATE hosts, applications, haproxy_operations, haproxy_budgets RESTART IDENTITY CASCADE`);
    await tx.query(`ALTER TABLE haproxy_actions ENABLE TRIGGER haproxy_actions_no_truncate`);
  });
}

export async function seedFleet(ds: DataSource, hosts: HostSpec[]): Promise<void> {
  const apps = new Map<string, number>();
  const appId = async (name: string) => {
    if (!apps.has(name)) {
      apps.set(name, (await ds.query(`INSERT INTO applications (name) VALUES ($1) RETURNING id`, [name]))[0].id);
    }
    return apps.get(name)!;
  };
  for (const h of hosts) {
    const [host] = await ds.query(
      `INSERT INTO hosts (name, address, fagent_url, is_active) VALUES ($1, '192.0.2.1', 'http://192.0.2.1:9102', $2) RETURNING id`,
      [h.name, h.active ?? true]
    );
    for (const i of h.instances) {
      const [inst] = await ds.query(
        `INSERT INTO haproxy_instances (host_id, name, is_active, consecutive_failures, breaker_state, breaker_changed_at)
         VALUES ($1, $2, $3, $4, $5, now()) RETURNING id`,
        [host.id, i.name, i.active ?? true, i.consecutiveFailures ?? 0, i.breaker ?? 'closed']
      );
      for (const b of i.backends ?? []) {
        const [backend] = await ds.query(
          `INSERT INTO haproxy_backends (instance_id, backend_name, removed_at) VALUES ($1, $2, CASE WHEN $3 THEN now() END) RETURNING id`,
          [inst.id, b.name, b.removed ?? false]
        );
        for (const s of b.servers) {
          const derived = stateFromStatus(s.status);
          const [server] = await ds.query(
            `INSERT INTO haproxy_servers (backend_id, server_name, status, raw_status, application_id, status_changed_at, removed_at,
                                          admin_state, operational_state, weight, backup)
             VALUES ($1, $2, $3, $3, $4, now() - make_interval(mins => $5), CASE WHEN $6 THEN now() END, $7, $8, $9, $10)
             RETURNING id`,
            [
              backend.id,
              s.name,
              s.status,
              s.application ? await appId(s.application) : null,
              s.sinceMin ?? 0,
              s.removed ?? false,
              s.admin === undefined ? derived.admin.adminState : s.admin,
              s.operational === undefined ? derived.operationalState : s.operational,
              s.weight ?? 1,
              s.backup ?? null,
            ]
          );
          if (s.readiedMin !== undefined) {
            await ds.query(
              `INSERT INTO haproxy_server_desired (server_id, admin_state, actor, source, set_at)
               VALUES ($1, 'ready', 'grafana:alice', 'ui', now() - make_interval(mins => $2))`,
              [server.id, s.readiedMin]
            );
          }
          if (s.drift) {
            await ds.query(
              `INSERT INTO haproxy_server_desired (server_id, admin_state, actor, source, set_at, drift_since, drift_cause)
               VALUES ($1, $2, 'grafana:alice', 'ui', now() - interval '1 day', now() - make_interval(mins => $3), $4)`,
              [server.id, s.drift.desired, s.drift.sinceMin, s.drift.cause ?? 'reload']
            );
          }
        }
      }
    }
  }
}

/** `n` servers named prefix1..prefixN in one status. */
export const servers = (
  prefix: string,
  n: number,
  status: ServerSpec['status'],
  extra: Partial<ServerSpec> = {}
): ServerSpec[] => Array.from({ length: n }, (_, k) => ({ name: `${prefix}${k + 1}`, status, ...extra }));
