import type { Db } from '../db/db';
import type { AgentCommand } from '../domain/status';
import { inactiveRefusal, inactiveRefusals } from '../store/instances';

/**
 * A deactivated instance (or host) takes no command: its agent is switched off for this service. The pipeline's
 * guard, a dry run and a job that ends such a server without sending it anything all answer this same 409.
 */
const refusedWhat = (command: AgentCommand) => `send it ${command}`;

export const inactiveCommandRefusal = (db: Db, instanceId: number, command: AgentCommand) =>
  inactiveRefusal(db, instanceId, refusedWhat(command));

/** inactiveCommandRefusal for several instances in one statement, by instance id (active ones left out). */
export const inactiveCommandRefusals = (db: Db, instanceIds: Iterable<number>, command: AgentCommand) =>
  inactiveRefusals(db, instanceIds, refusedWhat(command));
