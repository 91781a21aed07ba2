import { useCallback } from 'react';
import { api } from './client';
import { asApiError } from '../api/errors';
import type { AgentCommand, BulkServerResult, CommandOptions, Server, ServerCommand } from '../api/types';
import { budgetRefusalOf, type Refusal } from '../utils/guard';
import { notify, notifyError, notifySuccess } from '../utils/notify';

/**
 * What every mutation refreshes: the counts. The servers it changed are the caller's to update (each command
 * takes what to do with the backend's answer), as they belong to the opened backend that showed them.
 */
export interface MutationTargets {
  summary: { reload: () => void };
  /** The backends' counts. */
  backends: { reload: () => void };
}

type Named = Pick<Server, 'id' | 'server_name'>;

/**
 * A failed command: the backend's refusal when it refused the input (400) or a disruption budget kept servers in
 * (409 budget_exceeded), for the dialog to show while it keeps what was typed (and offers to force); any other
 * failure is a toast (and undefined: the dialog closes).
 */
function commandFailure(err: unknown, title: string, targets: Named[]): Refusal | undefined {
  const error = asApiError(err);
  if (error.kind === 'bad_request') {
    return { message: error.message };
  }
  const budget = error.code === 'budget_exceeded' ? budgetRefusalOf(error.details) : undefined;
  if (budget) {
    return { message: error.message, budget, refused: namesOf(budget.refused_server_ids, targets) };
  }
  notifyError(title, error.message);
  return undefined;
}

const namesOf = (ids: number[], servers: Named[]) =>
  ids.map((id) => ({ id, name: servers.find((s) => s.id === id)?.server_name ?? `#${id}` }));

/** The servers one bulk command is sent to, and where they are (for the toasts). */
export interface BulkTarget {
  servers: Named[];
  backendName: string;
  instanceName: string;
}

const FAILURES_NAMED = 5;

/**
 * drain / ready / maint / weight / shutdown-sessions on one server, drain / ready / maint on many (with a reason
 * and, for drain and maint, a maintenance window), and the application mapping: each calls the backend, says how
 * it went in a toast, and refreshes what it changed. They never reject: a command resolves to the backend's
 * refusal (a 400, or servers a disruption budget kept in), for its dialog to show; otherwise the toast is the
 * answer.
 */
export function useServerMutations({ summary, backends }: MutationTargets) {
  const { reload: reloadSummary } = summary;
  const { reload: reloadBackends } = backends;
  const reloadCounts = useCallback(() => {
    reloadSummary();
    reloadBackends();
  }, [reloadSummary, reloadBackends]);

  const runCommand = useCallback(
    async (
      server: Server,
      command: AgentCommand,
      options: CommandOptions,
      apply: (server: Server) => void
    ): Promise<Refusal | undefined> => {
      try {
        const result = await api.serverCommand(server.id, command, options);
        // The backend answers the server as read back from HAProxy after the command.
        apply(result.server);
        const now = command === 'weight' ? `weight ${result.server.weight}` : result.server.status;
        const { note } = result.action;
        // A note says HAProxy took it but shows something else (a maintenance that outranks it): not a plain success.
        notify(
          note ? 'warning' : 'success',
          `${command} sent to ${server.server_name}`,
          `${server.backend_name} on ${server.instance_name} is now ${now}${note ? `: ${note}` : ''}`
        );
        reloadCounts();
        return undefined;
      } catch (err) {
        return commandFailure(err, `${command} failed on ${server.server_name}`, [server]);
      }
    },
    [reloadCounts]
  );

  const runBulk = useCallback(
    async (
      { servers: targets, backendName, instanceName }: BulkTarget,
      command: ServerCommand,
      options: CommandOptions,
      reloadServers: () => void
    ): Promise<Refusal | undefined> => {
      try {
        const result = await api.bulkCommand(
          targets.map((s) => s.id),
          command,
          options
        );
        const refusedIds = result.results.filter((r) => r.error_code === 'budget_exceeded').map((r) => r.server_id);
        const failures = result.results.filter((r) => !r.ok && r.error_code !== 'budget_exceeded');
        const names = new Map(targets.map((s) => [s.id, s.server_name]));
        const listed = (rs: BulkServerResult[], say: (r: BulkServerResult) => string) =>
          rs
            .slice(0, FAILURES_NAMED)
            .map((r) => `${names.get(r.server_id) ?? r.server_id}: ${say(r)}`)
            .join('; ');
        const failed = () =>
          notifyError(
            `${command}: ${result.succeeded} of ${result.total} servers done, ${failures.length} failed`,
            listed(failures, (f) => f.error ?? 'failed')
          );
        if (refusedIds.length > 0) {
          // Those the agent failed on are not the dialog's to retry: they are said as without a refusal.
          if (failures.length > 0) {
            failed();
          }
          // The budget kept these in: the dialog says so and may force them; the rest was done.
          const first = result.results.find((r) => r.error_code === 'budget_exceeded')!;
          const budget = budgetRefusalOf(first.details);
          if (result.succeeded > 0) {
            notifySuccess(`${command} sent to ${result.succeeded} servers`, `${backendName} on ${instanceName}`);
          }
          return {
            message: `${result.succeeded} of ${result.total} done; ${refusedIds.length} kept in: ${first.error ?? 'budget exceeded'}`,
            budget: budget && { ...budget, refused_server_ids: refusedIds },
            refused: namesOf(refusedIds, targets),
          };
        }
        const noted = result.results.filter((r) => r.ok && r.note);
        if (failures.length > 0) {
          failed();
        } else if (noted.length > 0) {
          notify(
            'warning',
            `${command} sent to ${result.succeeded} servers, ${noted.length} not shown yet`,
            listed(noted, (r) => r.note!)
          );
        } else {
          notifySuccess(`${command} sent to ${result.succeeded} servers`, `${backendName} on ${instanceName}`);
        }
        return undefined;
      } catch (err) {
        return commandFailure(err, `${command} failed on ${backendName}`, targets);
      } finally {
        // Some may have changed even when the request as a whole failed.
        reloadServers();
        reloadCounts();
      }
    },
    [reloadCounts]
  );

  /** Maps the server to an application (null unmaps); true when saved. */
  const saveMapping = useCallback(
    async (server: Server, applicationId: number | null, apply: (server: Server) => void): Promise<boolean> => {
      try {
        const updated = await api.setMapping(server.id, applicationId);
        apply(updated);
        notifySuccess(
          applicationId === null
            ? `${server.server_name} unmapped`
            : `${server.server_name} mapped to ${updated.application_name ?? 'the application'}`
        );
        return true;
      } catch (err) {
        notifyError(`Mapping of ${server.server_name} failed`, asApiError(err).message);
        return false;
      }
    },
    []
  );

  return { runCommand, runBulk, saveMapping };
}
