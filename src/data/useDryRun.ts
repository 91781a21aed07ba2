import { useCallback } from 'react';
import { api } from './client';
import type { AgentCommand, DryRun, WeightSetting } from '../api/types';
import { takesOut } from '../utils/guard';
import { useResource } from './useResource';

/**
 * What a command on these servers would do (the backend's dry run: taken out, refused by a budget, skipped), asked
 * once when a confirmation opens, and again when the weight changes. Commands that take nothing out (ready, a
 * weight above 0) are not asked: nothing can be refused.
 */
export function useCommandDryRun(serverIds: number[], command: AgentCommand, weight?: WeightSetting) {
  const enabled = takesOut(command, weight) && serverIds.length > 0;
  const key = `dry-run:${command}:${weight ?? ''}:${serverIds.join(',')}`;
  // The key carries the servers, the command and the weight.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.dryRunCommand(serverIds, command, weight === undefined ? {} : { weight }), [key]);
  return { ...useResource<DryRun>(load, key, { enabled }), enabled };
}
