/** Where a command came from, as the audit log records it. */
export const ACTION_SOURCES = ['ui', 'api', 'orchestrator', 'bulk'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];
