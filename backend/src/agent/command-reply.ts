import { preview, UnexpectedOutputError } from './unexpected-output';

/** What HAProxy's reply to a `set server ...` or `shutdown sessions ...` command means, as an HTTP answer. */
export type CommandOutcome = { ok: true } | { ok: false; httpStatus: number; error: string };

/**
 * HAProxy answers a successful `set server` with an empty line and a refusal with its reason
 * ("No such server.", "Permission denied", ...).
 */
export function interpretCommandReply(reply: string): CommandOutcome {
  const text = reply.trim();
  if (text === '') {
    return { ok: true };
  }
  // The server or backend vanished between our check and the command (a reload in between).
  if (/^No such (server|backend)/i.test(text)) {
    return { ok: false, httpStatus: 404, error: `HAProxy: ${text}` };
  }
  if (/permission denied/i.test(text)) {
    return { ok: false, httpStatus: 502, error: `HAProxy: ${text} (the stats socket needs "level admin")` };
  }
  return { ok: false, httpStatus: 409, error: `HAProxy: ${text}` };
}

export class IncompleteReplyError extends UnexpectedOutputError {}

/**
 * HAProxy ends every reply with a line end ("\n" alone for a successful `set server`). Zero bytes, or
 * text cut off mid-line, means the connection closed before HAProxy answered (a crash, a reload, not
 * HAProxy at all): never a success, and the command may or may not have been applied.
 */
export function completeReply(reply: string, command: string): string {
  if (!reply.endsWith('\n')) {
    throw new IncompleteReplyError(
      `the runtime API closed the connection without a complete reply to "${command}" (got ${preview(reply)}); ` +
        'whether HAProxy applied it is unknown'
    );
  }
  return reply;
}

export class WeightReplyError extends UnexpectedOutputError {}

/** HAProxy's answer to `get weight b/s`: "<current> (initial <initial>)". */
export function parseWeightReply(reply: string): { weight: number; initialWeight: number } {
  const match = /^(\d+) \(initial (\d+)\)$/.exec(reply.trim());
  if (!match) {
    throw new WeightReplyError(`unexpected get weight reply: ${preview(reply)}`);
  }
  return { weight: Number(match[1]), initialWeight: Number(match[2]) };
}
