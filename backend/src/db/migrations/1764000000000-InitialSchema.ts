import { MigrationInterface, QueryRunner } from 'typeorm';

const STATUS_CHECK = `CHECK (status IN ('UP','DOWN','DRAIN','MAINT','NOLB','UNKNOWN'))`;

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE hosts (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        address text NOT NULL,
        fagent_url text NOT NULL,
        fagent_token text,
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX hosts_lower_name_idx ON hosts (lower(name))`);
    await q.query(`CREATE INDEX hosts_address_idx ON hosts (address)`);

    await q.query(`
      CREATE TABLE applications (
        id serial PRIMARY KEY,
        name text NOT NULL,
        host_id int REFERENCES hosts(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX applications_host_name_uq ON applications (coalesce(host_id, 0), name)`);
    await q.query(`CREATE INDEX applications_host_idx ON applications (host_id)`);

    await q.query(`
      CREATE TABLE haproxy_instances (
        id serial PRIMARY KEY,
        host_id int NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        name text NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        socket_path text,
        backend_scope jsonb,
        last_sync_at timestamptz,
        last_sync_success boolean,
        last_sync_error text,
        last_sync_duration_ms int,
        last_success_at timestamptz,
        consecutive_failures int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT haproxy_instances_host_name_uq UNIQUE (host_id, name)
      )`);

    await q.query(`
      CREATE TABLE haproxy_backends (
        id serial PRIMARY KEY,
        instance_id int NOT NULL REFERENCES haproxy_instances(id) ON DELETE CASCADE,
        backend_name text NOT NULL,
        removed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT haproxy_backends_instance_name_uq UNIQUE (instance_id, backend_name)
      )`);
    await q.query(`CREATE INDEX haproxy_backends_removed_at_idx ON haproxy_backends (removed_at)`);

    await q.query(`
      CREATE TABLE haproxy_servers (
        id serial PRIMARY KEY,
        backend_id int NOT NULL REFERENCES haproxy_backends(id) ON DELETE CASCADE,
        server_name text NOT NULL,
        address text NOT NULL DEFAULT '',
        status text NOT NULL ${STATUS_CHECK},
        raw_status text NOT NULL DEFAULT '',
        weight int NOT NULL DEFAULT 0,
        current_sessions int NOT NULL DEFAULT 0,
        max_sessions int NOT NULL DEFAULT 0,
        application_id int REFERENCES applications(id) ON DELETE SET NULL,
        mapping_kind text CHECK (mapping_kind IN ('manual','auto')),
        mapping_note text,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT haproxy_servers_backend_name_uq UNIQUE (backend_id, server_name)
      )`);
    await q.query(`CREATE INDEX haproxy_servers_removed_at_idx ON haproxy_servers (removed_at)`);
    await q.query(`CREATE INDEX haproxy_servers_backend_id_idx ON haproxy_servers (backend_id)`);
    await q.query(
      `CREATE INDEX haproxy_servers_application_idx ON haproxy_servers (application_id) WHERE application_id IS NOT NULL`
    );
    await q.query(`CREATE INDEX haproxy_servers_status_idx ON haproxy_servers (status) WHERE removed_at IS NULL`);

    await q.query(`
      CREATE TABLE haproxy_actions (
        id bigserial PRIMARY KEY,
        server_id int REFERENCES haproxy_servers(id) ON DELETE SET NULL,
        instance_id int REFERENCES haproxy_instances(id) ON DELETE SET NULL,
        instance_name text NOT NULL,
        backend_name text NOT NULL,
        server_name text NOT NULL,
        command text NOT NULL CHECK (command IN ('drain','ready','maint')),
        actor text NOT NULL,
        source text NOT NULL CHECK (source IN ('ui','api','orchestrator','bulk')),
        operation_id uuid,
        success boolean NOT NULL,
        error text,
        status_before text,
        status_after text,
        started_at timestamptz NOT NULL,
        duration_ms int NOT NULL
      )`);
    await q.query(`CREATE INDEX haproxy_actions_started_idx ON haproxy_actions (started_at DESC)`);
    await q.query(`CREATE INDEX haproxy_actions_server_idx ON haproxy_actions (server_id, started_at DESC)`);
    await q.query(`CREATE INDEX haproxy_actions_instance_idx ON haproxy_actions (instance_id, started_at DESC)`);
    await q.query(`CREATE INDEX haproxy_actions_actor_idx ON haproxy_actions (actor, started_at DESC)`);
    await q.query(
      `CREATE INDEX haproxy_actions_operation_idx ON haproxy_actions (operation_id) WHERE operation_id IS NOT NULL`
    );

    await q.query(`
      CREATE TABLE haproxy_server_status_history (
        id bigserial PRIMARY KEY,
        server_id int NOT NULL REFERENCES haproxy_servers(id) ON DELETE CASCADE,
        from_status text,
        to_status text NOT NULL,
        raw_status text NOT NULL DEFAULT '',
        cause text NOT NULL CHECK (cause IN ('sync','command','removed','restored')),
        changed_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX haproxy_status_history_server_idx ON haproxy_server_status_history (server_id, changed_at DESC)`
    );
    await q.query(`CREATE INDEX haproxy_status_history_changed_idx ON haproxy_server_status_history (changed_at)`);

    // One row per backend per sync, servers packed in parallel arrays: 20x fewer rows than one per server,
    // and range partitions by day so retention drops whole partitions.
    await q.query(`
      CREATE TABLE haproxy_metric_samples (
        sampled_at timestamptz NOT NULL,
        instance_id int NOT NULL,
        backend_id int NOT NULL,
        server_ids int[] NOT NULL,
        statuses smallint[] NOT NULL,
        weights int[] NOT NULL,
        sessions int[] NOT NULL
      ) PARTITION BY RANGE (sampled_at)`);
    await q.query(`CREATE INDEX haproxy_metric_samples_backend_idx ON haproxy_metric_samples (backend_id, sampled_at)`);
    await q.query(
      `CREATE INDEX haproxy_metric_samples_instance_idx ON haproxy_metric_samples (instance_id, sampled_at)`
    );
    await q.query(`CREATE TABLE haproxy_metric_samples_default PARTITION OF haproxy_metric_samples DEFAULT`);

    await q.query(`
      CREATE TABLE api_tokens (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        token_hash text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('viewer','operator','admin')),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'api_tokens',
      'haproxy_metric_samples',
      'haproxy_server_status_history',
      'haproxy_actions',
      'haproxy_servers',
      'haproxy_backends',
      'haproxy_instances',
      'applications',
      'hosts',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
  }
}
