import { useCallback } from 'react';
import { api } from './client';
import type { AgentCommand, DryRun } from '../api/types';
import { takesOut } from '../utils/guard';
import { useResource } from './useResource';

/**
 * What a command on these servers would do (the backend's dry run: taken out, refused by a budget, skipped), asked
 * once when a confirmation opens. Commands that take nothing out (ready) are not asked: nothing can be refused.
 */
export function useCommandDryRun(serverIds: number[], command: AgentCommand) {
  const enabled = takesOut(command) && serverIds.length > 0;
  const key = `dry-run:${command}:${serverIds.join(',')}`;
  // The key carries the servers and the command.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.dryRunCommand(serverIds, command), [key]);
  return { ...useResource<DryRun>(load, key, { enabled }), enabled };
}
