import type { DataSource } from 'typeorm';
import type { TokenStore } from '../auth/tokens';
import type { BulkCommands } from '../commands/bulk';
import type { DrainWaiter } from '../commands/drain-wait';
import type { ServerCommands } from '../commands/server-command';
import type { FagentClient } from '../fagent/client';
import type { Logger } from '../logger';
import type { SyncScheduler } from '../sync/scheduler';
import type { FleetCounts } from './routes/summary';

/** What the HTTP layer needs from the rest of the service. */
export interface ApiDeps {
  ds: DataSource;
  client: FagentClient;
  scheduler: SyncScheduler;
  commands: ServerCommands;
  bulk: BulkCommands;
  drainWaiter: DrainWaiter;
  fleetCounts: FleetCounts;
  tokens: TokenStore;
  log: Logger;
  openapi: unknown;
  maxBodyBytes: number;
}
