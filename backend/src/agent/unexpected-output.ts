/**
 * HAProxy answered, but not in a shape the agent knows. Each parser throws its own subclass; the HTTP
 * layer turns all of them into a 502, because guessing at output could report a wrong state.
 */
export class UnexpectedOutputError extends Error {}

/** The start of an unexpected output, on one line, for error messages. */
export function preview(text: string): string {
  const oneLine = text.trim().replace(/\s+/g, ' ');
  return oneLine.length > 120 ? `${oneLine.slice(0, 120)}...` : oneLine || '(empty)';
}
