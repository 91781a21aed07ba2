import { AGENT_COMMANDS } from './status';

/**
 * Where a command came from, as the audit log records it. The service's own: `sync` (a held removal applied),
 * `reconcile` (a desired state HAProxy lost, re-applied), `schedule` (a maintenance window's end).
 */
export const ACTION_SOURCES = ['ui', 'api', 'orchestrator', 'bulk', 'sync', 'reconcile', 'schedule'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

/** The sources a desired state can have: a command's, or a change made outside and adopted. */
export const DESIRED_SOURCES = [...ACTION_SOURCES, 'external'] as const;
export type DesiredSource = (typeof DESIRED_SOURCES)[number];

/** What the audit log records: the agent's commands, and the confirmation of a held removal (an instance's). */
export const AUDITED_COMMANDS = [...AGENT_COMMANDS, 'confirm_removals'] as const;
export type AuditedCommand = (typeof AUDITED_COMMANDS)[number];

/**
 * An audit row's outcome: `pending` from before the agent is called until the outcome is recorded;
 * `unknown` when neither the agent's answer nor a read of HAProxy's state could tell (or the service lost
 * the row's completion: see commands/pending-sweeper.ts).
 */
export const ACTION_RESULTS = ['pending', 'success', 'failure', 'unknown'] as const;
export type ActionResult = (typeof ACTION_RESULTS)[number];

/** The actor of what the service does by itself. */
/** The longest reason an audit row or a desired state keeps (their columns' CHECK, in characters). */
export const MAX_REASON_CHARS = 500;

export const SYSTEM_ACTOR = 'system:sync';
export const RECONCILE_ACTOR = 'system:reconcile';
export const SCHEDULE_ACTOR = 'system:schedule';
/** The actor of a desired state adopted from a change made outside (the stats page, the runtime socket). */
export const EXTERNAL_ACTOR = 'external';
