import { randomUUID } from 'node:crypto';
import { mapLimited } from '../concurrency/limiter';
import { takesOut } from '../domain/budget';
import { AppError } from '../domain/errors';
import type { AgentCommand } from '../domain/status';
import type { Db } from '../db/db';
import { toHttpError } from '../http/errors';
import type { ServerSelection } from '../store/servers';
import { selectedServerIds } from './selection';
import type { CommandContext, ServerCommands } from './server-command';

export interface BulkResult {
  operationId: string;
  /** `actionId` null: the attempt could not be audited (e.g. the database failed), so the agent was not called. */
  results: Array<{
    serverId: number;
    ok: boolean;
    actionId: number | null;
    error?: string;
    /** The audit row's note, e.g. why HAProxy took the command but still shows another state. */
    note?: string;
    /** A refusal's code and details (e.g. budget_exceeded with the budget's numbers). */
    errorCode?: string;
    details?: Record<string, unknown>;
  }>;
}

/**
 * One command on many servers (the seed's bulk operations, docs/design.md), e.g. an orchestrator
 * draining an application's servers.
 * Every server's attempt is audited under one operation id; one failure does not stop the others, and
 * whatever one server's command throws (gone meanwhile, the database lost) is that server's answer.
 */
export class BulkCommands {
  constructor(
    private readonly db: Db,
    private readonly commands: ServerCommands
  ) {}

  /**
   * The current servers a selection names, in id order (a 404 for an id of it that does not exist, or a listed
   * server that is not current): the order the budget decides them in, and one all bulks share, so two bulks
   * whose servers wait for the budget's turn never wait on each other's claims.
   */
  resolve(sel: ServerSelection): Promise<number[]> {
    return selectedServerIds(this.db, sel);
  }

  /** The same command and context (reason, window, weight) on each server, `concurrency` at a time. */
  async execute(
    serverIds: number[],
    command: AgentCommand,
    ctx: Omit<CommandContext, 'operationId'>,
    concurrency: number
  ): Promise<BulkResult> {
    const operationId = randomUUID();
    const turns = takesOut(command, ctx.weight) ? budgetTurns(serverIds.length) : undefined;
    const results = await mapLimited([...serverIds.entries()], concurrency, async ([i, serverId]) => {
      try {
        const r = await this.commands.execute(serverId, command, {
          ...ctx,
          operationId,
          ...(turns && { budgetTurn: turns.of(i) }),
        });
        const refusal = r.error instanceof AppError ? r.error : undefined;
        return {
          serverId,
          ok: r.ok,
          actionId: r.action.id,
          ...(r.error ? { error: r.error.message } : {}),
          ...(r.action.note ? { note: r.action.note } : {}),
          ...(refusal && { errorCode: refusal.code, details: refusal.details }),
        };
      } catch (err) {
        // Thrown before an audit row (a server deleted meanwhile, the database gone): coded as the API would
        // answer it alone; an unforeseen error keeps its message only.
        const { code, details } = toHttpError(err);
        return {
          serverId,
          ok: false,
          actionId: null,
          error: (err as Error).message,
          ...(code !== 'internal' && { errorCode: code }),
          ...(details && { details }),
        };
      } finally {
        // One that ended before its decision (refused by a guard, busy, gone) lets the next one decide.
        turns?.skip(i);
      }
    });
    return { operationId, results };
  }
}

/**
 * The budget's decisions of a bulk in its order, as its dry run simulates them ("takes out what the budget
 * allows, in order"), while the claims and the agents' calls run `concurrency` at a time: server i decides
 * once every server before it has decided, or has ended without deciding.
 */
function budgetTurns(n: number) {
  const ends: Array<() => void> = [];
  const decided = Array.from({ length: n }, (_, i) => new Promise<void>((resolve) => (ends[i] = resolve)));
  const before = (i: number) => (i === 0 ? Promise.resolve() : decided[i - 1]);
  return {
    of:
      (i: number) =>
      async <T>(decide: () => Promise<T>): Promise<T> => {
        await before(i);
        try {
          return await decide();
        } finally {
          ends[i]();
        }
      },
    skip: (i: number) => void before(i).then(ends[i]),
  };
}
