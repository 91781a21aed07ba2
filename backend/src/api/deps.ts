import type { TokenStore } from '../auth/tokens';
import type { BulkCommands } from '../commands/bulk';
import type { DisruptionBudgets } from '../commands/disruption-budget';
import type { DrainWaiter } from '../commands/drain-wait';
import type { ServerCommands } from '../commands/server-command';
import type { DatabaseHealth } from '../db/database-health';
import type { Db } from '../db/db';
import type { FagentClient } from '../fagent/client';
import type { FleetCounts } from '../fleet/fleet-counts';
import type { HistoryQuery } from '../history/query';
import type { MaintenanceWindows } from '../intent/maintenance-windows';
import type { Logger } from '../logger';
import type { Operations } from '../operations/operations';
import type { SecretBox } from '../secrets/secret-box';
import type { SyncScheduler } from '../sync/scheduler';
import type { ReaderPriority } from '../sync/reader-priority';

/** What the HTTP layer needs from the rest of the service. */
export interface ApiDeps {
  /** Writes, and reads that must see them. */
  db: Db;
  /** The API's reads (GET routes, trend queries, lookups): their own small pool with a statement timeout. */
  readDb: Db;
  client: FagentClient;
  scheduler: SyncScheduler;
  /** Told of every API request, so that a sync cycle in this process gives way to them. */
  readers?: ReaderPriority;
  commands: ServerCommands;
  windows: MaintenanceWindows;
  bulk: BulkCommands;
  budgets: DisruptionBudgets;
  operations: Operations;
  drainWaiter: DrainWaiter;
  fleetCounts: FleetCounts;
  history: HistoryQuery;
  health: DatabaseHealth;
  tokens: TokenStore;
  /** Seals agent tokens before they are stored (SECRETS_KEY). */
  secrets: SecretBox;
  log: Logger;
  openapi: unknown;
  maxBodyBytes: number;
}
