import { useCallback } from 'react';
import { api } from './client';
import { asApiError } from '../api/errors';
import type { CommandOptions, Server, ServerCommand } from '../api/types';
import { notifyError, notifySuccess } from '../utils/notify';

/**
 * What every mutation refreshes: the counts. The servers it changed are the caller's to update (each command
 * takes what to do with the backend's answer), as they belong to the opened backend that showed them.
 */
export interface MutationTargets {
  summary: { reload: () => void };
  /** The backends' counts. */
  backends: { reload: () => void };
}

/**
 * A failed command: the backend's message when it refused the input (400), for the dialog to show while it keeps
 * what was typed; any other failure is a toast (and undefined: the dialog closes).
 */
function commandFailure(err: unknown, title: string): string | undefined {
  const error = asApiError(err);
  if (error.kind === 'bad_request') {
    return error.message;
  }
  notifyError(title, error.message);
  return undefined;
}

/** The servers one bulk command is sent to, and where they are (for the toasts). */
export interface BulkTarget {
  servers: Array<Pick<Server, 'id' | 'server_name'>>;
  backendName: string;
  instanceName: string;
}

const FAILURES_NAMED = 5;

/**
 * drain / ready / maint on one server or many (with a reason and a maintenance window), and the application
 * mapping: each calls the backend, says how it went in a toast, and refreshes what it changed. They never reject:
 * a command resolves to the backend's message when it refused the input (400), for its dialog to show; otherwise
 * the toast is the answer.
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
      command: ServerCommand,
      options: CommandOptions,
      apply: (server: Server) => void
    ): Promise<string | undefined> => {
      try {
        const result = await api.serverCommand(server.id, command, options);
        apply(result.server);
        notifySuccess(
          `${command} sent to ${server.server_name}`,
          `${server.backend_name} on ${server.instance_name} is now ${result.server.status}`
        );
        reloadCounts();
        return undefined;
      } catch (err) {
        return commandFailure(err, `${command} failed on ${server.server_name}`);
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
    ): Promise<string | undefined> => {
      try {
        const result = await api.bulkCommand(
          targets.map((s) => s.id),
          command,
          options
        );
        const failures = result.results.filter((r) => !r.ok);
        if (failures.length === 0) {
          notifySuccess(`${command} sent to ${result.succeeded} servers`, `${backendName} on ${instanceName}`);
        } else {
          const names = new Map(targets.map((s) => [s.id, s.server_name]));
          notifyError(
            `${command}: ${result.succeeded} of ${result.total} servers done, ${failures.length} failed`,
            failures
              .slice(0, FAILURES_NAMED)
              .map((f) => `${names.get(f.server_id) ?? f.server_id}: ${f.error ?? 'failed'}`)
              .join('; ')
          );
        }
        return undefined;
      } catch (err) {
        return commandFailure(err, `${command} failed on ${backendName}`);
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
