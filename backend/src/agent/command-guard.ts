/**
 * Names reach HAProxy's runtime API inside a text command, so a name must not be able to change
 * that command. The rule is HAProxy's own rule for proxy and server names (letters, digits, `-`,
 * `_`, `.`, `:`): every real name passes, and newline, `;`, whitespace, `/`, quotes, control
 * characters and everything else cannot appear.
 */
const RUNTIME_NAME = /^[A-Za-z0-9_.:-]+$/;
// HAProxy sets no length of its own; the backend stores names of up to 2000 bytes.
const MAX_NAME_LENGTH = 2000;

export const SERVER_STATES = ['drain', 'ready', 'maint'] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/** The actions of `POST .../servers/{server}/{action}`. */
export const SERVER_ACTIONS = [...SERVER_STATES, 'weight', 'shutdown-sessions'] as const;
export type ServerAction = (typeof SERVER_ACTIONS)[number];

export function isServerAction(value: string): value is ServerAction {
  return (SERVER_ACTIONS as readonly string[]).includes(value);
}

/** HAProxy's limits for `set server ... weight`: absolute 0..256, or a percentage of the initial weight. */
export const MAX_WEIGHT = 256;
export const MAX_WEIGHT_PERCENT = 100;

export type Weight = { unit: 'absolute'; value: number } | { unit: 'percent'; value: number };

/** What the agent asks HAProxy to do to one server. */
export type ServerCommand =
  { kind: 'state'; state: ServerState } | { kind: 'weight'; weight: Weight } | { kind: 'shutdown-sessions' };

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

const WEIGHT_RULE = `weight must be an integer 0..${MAX_WEIGHT} or a string "N%" with N an integer 0..${MAX_WEIGHT_PERCENT}`;

/** A request's `weight` (`50` or `"50%"`), or why it is not one. */
export function parseWeight(input: unknown): { ok: true; weight: Weight } | { ok: false; error: string } {
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0 && input <= MAX_WEIGHT) {
    return { ok: true, weight: { unit: 'absolute', value: input } };
  }
  const percent = typeof input === 'string' ? /^(\d{1,3})%$/.exec(input) : null;
  if (percent && Number(percent[1]) <= MAX_WEIGHT_PERCENT) {
    return { ok: true, weight: { unit: 'percent', value: Number(percent[1]) } };
  }
  return { ok: false, error: `${WEIGHT_RULE}; got ${JSON.stringify(input) ?? 'nothing'}` };
}

export class UnsafeNameError extends Error {}

/** The only commands the agent builds from request input; it refuses rather than escapes. */
export function serverCommand(backend: string, server: string, command: ServerCommand): string {
  const target = serverTarget(backend, server);
  switch (command.kind) {
    case 'state':
      return `set server ${target} state ${command.state}`;
    case 'weight':
      return `set server ${target} weight ${weightText(command.weight)}`;
    case 'shutdown-sessions':
      return `shutdown sessions server ${target}`;
  }
}

/** `get weight b/s`: answers "<current> (initial <initial>)". */
export function getWeightCommand(backend: string, server: string): string {
  return `get weight ${serverTarget(backend, server)}`;
}

function serverTarget(backend: string, server: string): string {
  for (const [what, name] of [
    ['backend', backend],
    ['server', server],
  ] as const) {
    const reason = unsafeNameReason(name);
    if (reason) {
      throw new UnsafeNameError(`${what} name ${JSON.stringify(name)} ${reason}`);
    }
  }
  return `${backend}/${server}`;
}

/** Checked again here: a Weight built by hand must not put anything else into the command. */
function weightText(weight: Weight): string {
  const max = weight.unit === 'absolute' ? MAX_WEIGHT : MAX_WEIGHT_PERCENT;
  if (!Number.isInteger(weight.value) || weight.value < 0 || weight.value > max) {
    throw new RangeError(WEIGHT_RULE);
  }
  return weight.unit === 'absolute' ? String(weight.value) : `${weight.value}%`;
}
