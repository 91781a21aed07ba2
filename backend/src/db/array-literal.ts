/** An element PostgreSQL's array parser reads as it is: no quote, brace, comma, backslash or space in it. */
const PLAIN = /^[^\s{}",\\]+$/;
const NULL_WORD = /^null$/i;

/**
 * A parameter as pg would send it, with arrays written as PostgreSQL array literals here. pg quotes and escapes
 * each element by string concatenation: a cold sync's arrays (a million names, states and numbers) cost it a
 * second of CPU and as much again in garbage collection. Arrays of anything but strings, finite numbers,
 * booleans and nulls (dates, buffers, nested arrays) are left to pg.
 */
export function arrayParameter(value: unknown): unknown {
  if (!Array.isArray(value)) {
    return value;
  }
  const parts = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v === 'string') {
      parts[i] = PLAIN.test(v) && !NULL_WORD.test(v) ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      parts[i] = String(v);
    } else if (typeof v === 'boolean') {
      parts[i] = v ? 't' : 'f';
    } else if (v === null || v === undefined) {
      parts[i] = 'NULL';
    } else {
      return value;
    }
  }
  return `{${parts.join(',')}}`;
}
