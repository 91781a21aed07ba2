import { badRequest, notFound } from '../domain/errors';
import type { Db } from '../db/db';
import type { FagentClient } from '../fagent/client';
import { AgentProbe, probeAgent } from '../fagent/probe';
import { agentIdentity, agentOfHost } from '../store/hosts';
import { listInstances } from '../store/instances';

/** What an admin tests: an agent URL (saved or not), optionally a token, and which instances to read there. */
export interface AgentTestRequest {
  fagent_url: string;
  /** A token to try; null tries none (the default token); omitted takes the saved host's, if the URL is its. */
  fagent_token?: string | null;
  /** The saved host this test is about: its token and its instances' names. */
  host_id?: number;
  /** Instance names to read; omitted: the saved host's instances. */
  instances?: string[];
}

/**
 * How long an admin's read of an agent (this test, a scope preview) may take in all. Grafana's data proxy gives
 * up on a request after 30 s by default, and a hanging agent's reads with their retries take longer (4 x
 * HAPROXY_REQUEST_TIMEOUT): these answer well before, whatever the agent does.
 */
export const ADMIN_AGENT_READ_DEADLINE_MS = 15_000;

/**
 * "Test agent": reads each instance's backend list through the FAgent client, fresh. A saved token is sent only
 * to the agent it was saved for (its URL, however spelt): another agent must not collect the old one's token.
 */
export async function testAgent(db: Db, client: FagentClient, req: AgentTestRequest): Promise<AgentProbe> {
  const saved = req.host_id === undefined ? undefined : await agentOfHost(db, req.host_id);
  if (req.host_id !== undefined && !saved) {
    throw notFound(`host ${req.host_id}`);
  }
  const token =
    req.fagent_token !== undefined
      ? req.fagent_token
      : saved && agentIdentity(saved.fagent_url) === agentIdentity(req.fagent_url)
        ? saved.fagent_token
        : null;
  const instances =
    req.instances ?? (saved ? (await listInstances(db, { hostId: saved.host_id })).map((i) => i.name) : []);
  if (instances.length === 0) {
    // A saved host's test takes no names: its instances are what it reads.
    throw badRequest(
      req.instances === undefined && saved
        ? `host ${req.host_id} has no HAProxy instance to read: register one first (the FAgent protocol has no list of instances)`
        : 'instances: name at least one HAProxy instance to read (the FAgent protocol has no list of instances)'
    );
  }
  return probeAgent(client, {
    baseUrl: req.fagent_url,
    token,
    instances,
    signal: AbortSignal.timeout(ADMIN_AGENT_READ_DEADLINE_MS),
  });
}
