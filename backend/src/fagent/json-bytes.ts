/** The bytes of JSON's structure, for the readers that walk an answer's bytes before JSON.parse. */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

/** What a byte outside strings is: BYTE_CLASS[byte], 0 for any other. */
export const STRING = 1;
export const SEPARATOR = 2;
export const OPEN = 3;
export const CLOSE = 4;
export const BYTE_CLASS = new Uint8Array(256);
BYTE_CLASS[QUOTE] = STRING;
BYTE_CLASS[COMMA] = SEPARATOR;
BYTE_CLASS[OPEN_OBJECT] = OPEN;
BYTE_CLASS[OPEN_ARRAY] = OPEN;
BYTE_CLASS[CLOSE_OBJECT] = CLOSE;
BYTE_CLASS[CLOSE_ARRAY] = CLOSE;
