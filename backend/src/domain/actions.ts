import { COMMANDS } from './status';

/** Where a command came from, as the audit log records it; `sync`: the service itself (a held removal applied). */
export const ACTION_SOURCES = ['ui', 'api', 'orchestrator', 'bulk', 'sync'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

/** What the audit log records: the agent's commands, and the confirmation of a held removal (an instance's). */
export const AUDITED_COMMANDS = [...COMMANDS, 'confirm_removals'] as const;
export type AuditedCommand = (typeof AUDITED_COMMANDS)[number];

/**
 * An audit row's outcome: `pending` from before the agent is called until the outcome is recorded;
 * `unknown` when neither the agent's answer nor a read of HAProxy's state could tell (or the service lost
 * the row's completion: see commands/pending-sweeper.ts).
 */
export const ACTION_RESULTS = ['pending', 'success', 'failure', 'unknown'] as const;
export type ActionResult = (typeof ACTION_RESULTS)[number];

/** The actor of what the service does by itself. */
export const SYSTEM_ACTOR = 'system:sync';
