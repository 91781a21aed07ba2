import { EntitySchema } from 'typeorm';

export interface HaproxyInstance {
  id: number;
  hostId: number;
  name: string;
  isActive: boolean;
  socketPath: string | null;
  /** Selective polling: null = every backend, else names or glob patterns. */
  backendScope: string[] | null;
  lastSyncAt: Date | null;
  lastSyncSuccess: boolean | null;
  lastSyncError: string | null;
  lastSyncDurationMs: number | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  createdAt: Date;
  updatedAt: Date;
}

export const HaproxyInstanceEntity = new EntitySchema<HaproxyInstance>({
  name: 'HaproxyInstance',
  tableName: 'haproxy_instances',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    hostId: { name: 'host_id', type: 'int' },
    name: { type: 'text' },
    isActive: { name: 'is_active', type: 'boolean', default: true },
    socketPath: { name: 'socket_path', type: 'text', nullable: true },
    backendScope: { name: 'backend_scope', type: 'jsonb', nullable: true },
    lastSyncAt: { name: 'last_sync_at', type: 'timestamptz', nullable: true },
    lastSyncSuccess: { name: 'last_sync_success', type: 'boolean', nullable: true },
    lastSyncError: { name: 'last_sync_error', type: 'text', nullable: true },
    lastSyncDurationMs: { name: 'last_sync_duration_ms', type: 'int', nullable: true },
    lastSuccessAt: { name: 'last_success_at', type: 'timestamptz', nullable: true },
    consecutiveFailures: { name: 'consecutive_failures', type: 'int', default: 0 },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', updateDate: true },
  },
});
