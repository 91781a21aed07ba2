import { AnswerProblem } from './errors';
import { BACKSLASH, BYTE_CLASS, CLOSE, OPEN, QUOTE, SEPARATOR } from './json-bytes';

/** Deeper than any FAgent answer (five levels) with room for extras; bounds the parser's recursion. */
export const MAX_JSON_DEPTH = 32;

/** Below this many bytes even the costliest JSON parses into a few tens of MB: no need to count. */
export const SCAN_FROM_BYTES = 1024 * 1024;

/**
 * Counts an answer's JSON structure while it streams in, before JSON.parse builds it. The byte limit alone does
 * not bound the heap: 32 MB of `{},{},...` parses into 11 million objects (over 1 GB, seconds of CPU). So an
 * answer may hold one object or array per 64 bytes of the body limit and one value per 16 (a real server object
 * takes 60 to 300 bytes for 6 to 17 values), which keeps the parsed answer within a few times the body limit.
 * Counting starts once an answer passes SCAN_FROM_BYTES (it then counts what came before), so the everyday
 * answer of a few hundred KB costs nothing. Strings are skipped (escapes included); a malformed text is
 * JSON.parse's to reject.
 */
export class JsonBudget {
  private readonly maxContainers: number;
  private readonly maxValues: number;
  private received = 0;
  /** Chunks not counted yet; undefined once counting has started. */
  private unscanned: Uint8Array[] | undefined;
  private containers = 0;
  private commas = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(
    maxBodyBytes: number,
    private readonly scanFromBytes = SCAN_FROM_BYTES
  ) {
    this.maxContainers = Math.floor(maxBodyBytes / 64);
    this.maxValues = Math.floor(maxBodyBytes / 16);
    this.unscanned = scanFromBytes > 0 ? [] : undefined;
  }

  feed(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.unscanned) {
      if (this.received <= this.scanFromBytes) {
        this.unscanned.push(chunk);
        return;
      }
      const earlier = this.unscanned;
      this.unscanned = undefined;
      for (const c of earlier) {
        this.scan(c);
      }
    }
    this.scan(chunk);
  }

  private scan(chunk: Uint8Array): void {
    let { containers, commas, depth, inString, escaped } = this;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (!inString) {
        const kind = BYTE_CLASS[chunk[i++]];
        if (kind === 0) {
          continue;
        }
        if (kind === SEPARATOR) {
          commas++;
          continue;
        }
        if (kind === OPEN) {
          containers++;
          if (++depth > MAX_JSON_DEPTH) {
            throw new AnswerProblem('over_limit', `nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
          }
          continue;
        }
        if (kind === CLOSE) {
          depth--;
          continue;
        }
        inString = true;
      } else if (escaped) {
        escaped = false; // the chunk before ended on the backslash: this byte is the escaped one
        i++;
      }
      // Inside a string: to its closing quote, stepping over each escaped byte.
      while (i < n) {
        const c = chunk[i++];
        if (c === QUOTE) {
          inString = false;
          break;
        }
        if (c === BACKSLASH) {
          if (i === n) {
            escaped = true;
          }
          i++;
        }
      }
    }
    if (containers > this.maxContainers) {
      throw new AnswerProblem(
        'over_limit',
        `holds more than ${this.maxContainers} JSON objects and arrays (one per 64 bytes of HAPROXY_FAGENT_MAX_BODY_BYTES)`
      );
    }
    if (containers + commas > this.maxValues) {
      throw new AnswerProblem(
        'over_limit',
        `holds more than ${this.maxValues} JSON values (one per 16 bytes of HAPROXY_FAGENT_MAX_BODY_BYTES)`
      );
    }
    this.containers = containers;
    this.commas = commas;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
  }
}
