/**
 * CSV (RFC 4180) for exports that people open in a spreadsheet. Names come from HAProxy and reasons from users,
 * so text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) gets a
 * leading ' and stays text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (typeof value !== 'string') {
    return String(value);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 has it. */
export const csvRecord = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\r\n`;

/** Excel reads a file as UTF-8 only after this mark (Cyrillic names, emoji); other readers skip it. */
export const UTF8_BOM = '\uFEFF';
