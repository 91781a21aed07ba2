import { AnswerProblem } from './errors';

/** Deeper than any FAgent answer (five levels) with room for extras; bounds the parser's recursion. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Counts an answer's JSON structure while it streams in, before JSON.parse builds it. The byte limit alone does
 * not bound the heap: 32 MB of `{},{},...` parses into 11 million objects (over 1 GB, seconds of CPU). So an
 * answer may hold one object or array per 64 bytes of the body limit and one value per 16 (a real server object
 * takes 60 to 300 bytes for 6 to 17 values), which keeps the parsed answer within a few times the body limit.
 * Strings are skipped byte by byte (escapes included); a malformed text is JSON.parse's to reject.
 */
export class JsonBudget {
  private readonly maxContainers: number;
  private readonly maxValues: number;
  private containers = 0;
  private commas = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(maxBodyBytes: number) {
    this.maxContainers = Math.floor(maxBodyBytes / 64);
    this.maxValues = Math.floor(maxBodyBytes / 16);
  }

  feed(chunk: Uint8Array): void {
    let { containers, commas, depth, inString, escaped } = this;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c === BACKSLASH) {
          escaped = true;
        } else if (c === QUOTE) {
          inString = false;
        }
      } else if (c === QUOTE) {
        inString = true;
      } else if (c === COMMA) {
        commas++;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        containers++;
        if (++depth > MAX_JSON_DEPTH) {
          throw new AnswerProblem('over_limit', `nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
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
