/**
 * Names reach HAProxy's runtime API inside a text command, so a name must not be able to change
 * that command. The rule is HAProxy's own rule for proxy and server names (letters, digits, `-`,
 * `_`, `.`, `:`): every real name passes, and newline, `;`, whitespace, `/`, quotes, control
 * characters and everything else cannot appear.
 */
const RUNTIME_NAME = /^[A-Za-z0-9_.:-]+$/;
const MAX_NAME_LENGTH = 256;

export const SERVER_STATES = ['drain', 'ready', 'maint'] as const;
export type ServerState = (typeof SERVER_STATES)[number];

export function isServerState(value: string): value is ServerState {
  return (SERVER_STATES as readonly string[]).includes(value);
}

/** Why `name` cannot be used in a runtime-API command, or null when it can. */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) {
    return 'is empty';
  }
  if (name.length > MAX_NAME_LENGTH) {
    return `is longer than ${MAX_NAME_LENGTH} characters`;
  }
  if (!RUNTIME_NAME.test(name)) {
    return 'may only contain letters, digits and "-", "_", ".", ":" (as HAProxy names do)';
  }
  return null;
}

export class UnsafeNameError extends Error {}

/** The only command the agent builds from request input; it refuses rather than escapes. */
export function setServerStateCommand(backend: string, server: string, state: ServerState): string {
  for (const [what, name] of [
    ['backend', backend],
    ['server', server],
  ] as const) {
    const reason = unsafeNameReason(name);
    if (reason) {
      throw new UnsafeNameError(`${what} name ${JSON.stringify(name)} ${reason}`);
    }
  }
  return `set server ${backend}/${server} state ${state}`;
}
