/**
 * JSON.parse of an answer's bytes, in pieces when the answer is large.
 *
 * One string of a whole /state answer (300 KB for 1,000 servers) is a V8 large object: it gets pages of its
 * own, fresh from the kernel for every answer, and freed after. On a VM with costly page faults (the 2-core
 * machine of the bench) filling them took a fifth of the service's CPU in a steady cycle (perf). Strings of at
 * most PIECE_BYTES are ordinary young objects in memory V8 reuses. So the big containers near the top (the
 * answer, its backends, a big backend's servers) are walked here, and their members parsed a group at a time:
 * a steady /state cycle of the bench took 25% less CPU (A/B), and one answer parses faster even alone.
 *
 * The value is JSON.parse's: the same keys in the same order, the last of duplicate keys. Anything this reader
 * does not take (invalid JSON, a `__proto__` key, which JSON.parse keeps as an own property) goes to JSON.parse
 * of the whole text, so every error is JSON.parse's own.
 */

import {
  BACKSLASH,
  BYTE_CLASS,
  CLOSE,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  OPEN,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  STRING,
} from './json-bytes';

/** Members and values up to this size are parsed as one piece (well under V8's 128 KB large-object line). */
export const PIECE_BYTES = 32 * 1024;

/** Containers are walked this deep at most (an answer, its backends, a backend, its servers); deeper is parsed whole. */
const MAX_WALK_DEPTH = 4;

/** Whitespace as JSON has it, and what ends a number or literal. */
const WHITESPACE = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) {
  WHITESPACE[c] = 1;
}
const ENDS_SCALAR = WHITESPACE.slice();
for (const c of [COMMA, CLOSE_OBJECT, CLOSE_ARRAY]) {
  ENDS_SCALAR[c] = 1;
}

/** Thrown inside the walk: the whole text goes to JSON.parse. */
class NotWalked extends Error {}

/** One past the end of the string whose opening quote is at `start`. */
function stringEnd(b: Buffer, start: number): number {
  const n = b.length;
  let i = start + 1;
  while (i < n) {
    const c = b[i++];
    if (c === QUOTE) {
      return i;
    }
    if (c === BACKSLASH) {
      i++;
    }
  }
  throw new NotWalked();
}

/** What valueEnd answers for an object or array longer than its `limit`. */
const BIG = -1;

/**
 * One past the end of the value that starts at `start`, or BIG for an object or array that runs past `limit`
 * bytes (the walk then goes into it, and reads no byte more than twice). A table lookup a byte, since every
 * byte of a large answer passes here. The value's own validity is JSON.parse's to check.
 */
function valueEnd(b: Buffer, start: number, limit: number): number {
  const n = b.length;
  const first = BYTE_CLASS[b[start]];
  if (first === STRING) {
    return stringEnd(b, start);
  }
  if (first === OPEN) {
    let depth = 0;
    let i = start;
    const stop = Math.min(n, start + limit + 1);
    while (i < stop) {
      const k = BYTE_CLASS[b[i++]];
      if (k === 0) {
        continue;
      }
      if (k === STRING) {
        i = stringEnd(b, i - 1);
      } else if (k === OPEN) {
        depth++;
      } else if (k === CLOSE && --depth === 0) {
        return i;
      }
    }
    if (i < n) {
      return BIG;
    }
    throw new NotWalked();
  }
  let i = start;
  while (i < n && !ENDS_SCALAR[b[i]]) {
    i++;
  }
  if (i === start) {
    throw new NotWalked(); // a comma or bracket where a value belongs
  }
  return i;
}

/** `pieceBytes`: the size of a piece; smaller only in tests, which walk small texts. */
export function parseJsonBytes(bytes: Buffer, encoding: 'latin1' | 'utf8', pieceBytes = PIECE_BYTES): unknown {
  if (bytes.length > pieceBytes) {
    try {
      return new Walk(bytes, encoding, pieceBytes).document();
    } catch (err) {
      if (!(err instanceof NotWalked || err instanceof SyntaxError)) {
        throw err;
      }
    }
  }
  return JSON.parse(bytes.toString(encoding));
}

class Walk {
  private pos = 0;

  constructor(
    private readonly b: Buffer,
    private readonly encoding: 'latin1' | 'utf8',
    private readonly pieceBytes: number
  ) {}

  document(): unknown {
    this.skipWhitespace();
    const value = this.container(this.pos, 1);
    this.skipWhitespace();
    if (this.pos !== this.b.length) {
      throw new NotWalked();
    }
    return value;
  }

  private text(start: number, end: number): string {
    return this.b.toString(this.encoding, start, end);
  }

  private skipWhitespace(): void {
    const b = this.b;
    while (this.pos < b.length && WHITESPACE[b[this.pos]]) {
      this.pos++;
    }
  }

  /** The object or array at `start`, walked; `pos` ends past it. */
  private container(start: number, depth: number): unknown {
    const open = this.b[start];
    if (open === OPEN_ARRAY) {
      const out: unknown[] = [];
      this.members(
        start,
        depth,
        (from, to) => {
          for (const v of JSON.parse(`[${this.text(from, to)}]`) as unknown[]) {
            out.push(v);
          }
        },
        (_, valueStart) => out.push(this.container(valueStart, depth + 1))
      );
      return out;
    }
    if (open === OPEN_OBJECT) {
      const out: Record<string, unknown> = {};
      this.members(
        start,
        depth,
        (from, to) => {
          const group = JSON.parse(`{${this.text(from, to)}}`) as Record<string, unknown>;
          for (const key of Object.keys(group)) {
            this.set(out, key, group[key]);
          }
        },
        (memberStart, valueStart) => {
          const key = JSON.parse(this.text(memberStart, stringEnd(this.b, memberStart))) as string;
          this.set(out, key, this.container(valueStart, depth + 1));
        }
      );
      return out;
    }
    throw new NotWalked();
  }

  /**
   * The members of the container at `start` (an object's `"key": value`, an array's values) one after another:
   * small ones gathered into groups of about PIECE_BYTES, each parsed at once (`flush`); one whose value is a
   * bigger object or array walked on its own (`big`).
   */
  private members(
    start: number,
    depth: number,
    flush: (groupStart: number, groupEnd: number) => void,
    big: (memberStart: number, valueStart: number) => void
  ): void {
    const b = this.b;
    const keyed = b[start] === OPEN_OBJECT;
    const close = keyed ? CLOSE_OBJECT : CLOSE_ARRAY;
    const limit = depth < MAX_WALK_DEPTH ? this.pieceBytes : Infinity;
    this.pos = start + 1;
    this.skipWhitespace();
    if (b[this.pos] === close) {
      this.pos++;
      return;
    }
    let groupStart = -1;
    let groupEnd = -1;
    for (;;) {
      const memberStart = this.pos;
      if (keyed) {
        if (b[this.pos] !== QUOTE) {
          throw new NotWalked();
        }
        this.pos = stringEnd(b, this.pos);
        this.skipWhitespace();
        if (b[this.pos++] !== COLON) {
          throw new NotWalked();
        }
        this.skipWhitespace();
      }
      const valueStart = this.pos;
      const end = valueEnd(b, valueStart, limit);
      if (end === BIG) {
        if (groupStart >= 0) {
          flush(groupStart, groupEnd);
          groupStart = -1;
        }
        big(memberStart, valueStart);
      } else {
        this.pos = end;
        if (groupStart >= 0 && end - groupStart > this.pieceBytes) {
          flush(groupStart, groupEnd);
          groupStart = -1;
        }
        if (groupStart < 0) {
          groupStart = memberStart;
        }
        groupEnd = end;
      }
      this.skipWhitespace();
      const c = b[this.pos++];
      if (c === close) {
        break;
      }
      if (c !== COMMA) {
        throw new NotWalked();
      }
      this.skipWhitespace();
    }
    if (groupStart >= 0) {
      flush(groupStart, groupEnd);
    }
  }

  /** An own data property, as JSON.parse makes it: a later duplicate replaces the value in the first one's place. */
  private set(out: Record<string, unknown>, key: string, value: unknown): void {
    if (key === '__proto__') {
      throw new NotWalked(); // an assignment would set the prototype; JSON.parse makes an own property
    }
    out[key] = value;
  }
}
