import type { RemovedBackend, RemovedServer } from '../../api/types';

/** Why a backend left the current view, in words. */
export function backendRemovalReason(b: RemovedBackend): string {
  return b.reason === 'out_of_scope'
    ? "outside the instance's polling scope: not polled any more (widen the scope to bring it back)"
    : "no longer in the agent's backend list at a sync";
}

/** Why a server left the current view, in words, with the last command on it from the audit log. */
export function serverRemovalReason(s: RemovedServer): string {
  const why =
    s.reason === 'with_backend'
      ? `went with its backend ${s.backend_name}`
      : "no longer in its backend's server list at a sync";
  return s.last_command ? `${why}; last command: ${s.last_command} by ${s.last_command_actor ?? 'unknown'}` : why;
}
