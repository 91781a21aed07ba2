/** C0 controls, DEL and C1 controls (U+0080-U+009F: "\u0085x" shows as "x", beside another "x"). */
const ONE = /[\u0000-\u001f\u007f-\u009f]/;
const RUNS = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Whether a text holds a control character: never part of a name, a reason or a token. */
export const hasControlCharacter = (s: string): boolean => ONE.test(s);

/** The text with each run of control characters replaced by `by`. */
export const replaceControlCharacters = (s: string, by: string): string => s.replace(RUNS, by);
