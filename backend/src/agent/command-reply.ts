/** What HAProxy's reply to `set server ... state ...` means, as an HTTP answer. */
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
