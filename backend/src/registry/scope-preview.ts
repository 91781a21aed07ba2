import { notFound } from '../domain/errors';
import type { Db } from '../db/db';
import type { FagentClient } from '../fagent/client';
import { FagentError } from '../fagent/errors';
import { currentBackendNames, namesInScope } from '../store/backends';
import { agentOfInstance } from '../store/hosts';
import { ADMIN_AGENT_READ_DEADLINE_MS } from './agent-test';

export interface PreviewedBackend {
  name: string;
  in_scope: boolean;
  /** The agent lists it now. */
  on_agent: boolean;
  /** It is stored as a current backend now (one the scope leaves out would leave the current view). */
  stored: boolean;
}

export interface ScopePreview {
  instance_id: number;
  scope: string[] | null;
  /** Why the agent's list could not be read (the stored backends are still previewed). */
  agent_error: string | null;
  backends: PreviewedBackend[];
  in_scope: number;
  out_of_scope: number;
}

/**
 * What a polling scope would take in: the agent's backends (read fresh: one small request, and an admin
 * previewing wants the list of now) and the stored current ones, each matched by PostgreSQL as the sync does.
 */
export async function previewScope(
  db: Db,
  client: FagentClient,
  instanceId: number,
  scope: string[] | null
): Promise<ScopePreview> {
  const agent = await agentOfInstance(db, instanceId);
  if (!agent) {
    throw notFound(`instance ${instanceId}`);
  }
  let listed: string[] = [];
  let agentError: string | null = null;
  try {
    listed = await client.getBackends(
      { instanceId, instanceName: agent.instance_name, baseUrl: agent.fagent_url, token: agent.fagent_token },
      { fresh: true, signal: AbortSignal.timeout(ADMIN_AGENT_READ_DEADLINE_MS) }
    );
  } catch (err) {
    if (!(err instanceof FagentError)) {
      throw err;
    }
    agentError = err.message;
  }
  const onAgent = new Set(listed);
  const stored = new Set(await currentBackendNames(db, instanceId));
  const names = [...new Set([...onAgent, ...stored])].sort();
  const inScope = scope ? await namesInScope(db, scope, names) : new Set(names);
  const backends = names.map((name) => ({
    name,
    in_scope: inScope.has(name),
    on_agent: onAgent.has(name),
    stored: stored.has(name),
  }));
  return {
    instance_id: instanceId,
    scope,
    agent_error: agentError,
    backends,
    in_scope: inScope.size,
    out_of_scope: names.length - inScope.size,
  };
}
