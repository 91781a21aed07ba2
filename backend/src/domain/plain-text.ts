import { z } from 'zod';
import { hasControlCharacter } from './control-characters';

/** Text that is stored and shown as it is (tables, the UI, HTTP headers): no control characters. */
export const plainText = (max: number, min = 1) =>
  z
    .string()
    .min(min, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasControlCharacter(s), 'must not contain control characters');

/** A name as users give it: trimmed plain text. */
export const name = (max = 200) => z.string().trim().pipe(plainText(max));

/** An API token's name, as the API and the tokens CLI take it: it is the audit actor `token:<name>`. */
export const tokenName = name(100);
