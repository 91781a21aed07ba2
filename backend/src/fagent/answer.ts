import { isAscii, isUtf8 } from 'node:buffer';
import { AnswerProblem, ENDPOINT_LACKING, FagentError } from './errors';
import { parseJsonBytes } from './json-pieces';
import { printable, refusalReason } from './schemas';
import type { HttpAnswer } from './transport';

/** An AnswerProblem of the request `what` (`GET /api/haproxy/...`) as the FagentError callers see. */
export function answerError(what: string, problem: AnswerProblem, httpStatus?: number): FagentError {
  return new FagentError(problem.kind, `FAgent answer to ${what} ${problem.message}`, httpStatus);
}

/** A non-2xx answer, saying so when its status means the agent has no such endpoint (an older or other FAgent). */
function httpError(what: string, status: number): FagentError {
  const lacking = ENDPOINT_LACKING.has(status) ? ': the agent does not offer this endpoint' : '';
  return new FagentError('http', `FAgent answered HTTP ${status} to ${what}${lacking}`, status);
}

/** At most this much of an agent's header goes into a message. */
const HEADER_SHOWN = 200;
const shown = (v: string) => printable(v, HEADER_SHOWN);

/**
 * An answer no body of which can be read as the agent meant it: a redirect (not followed, so the agent's token
 * never goes where it was not registered), or a compressed success (never asked for). Undefined otherwise. A
 * compressed error is its HTTP status (a 404 from a proxy that compresses its error pages still says "no /state
 * here", a 503 is still worth a retry), only its reason is unread.
 */
export function transferProblem(what: string, res: HttpAnswer): FagentError | undefined {
  if (res.location !== undefined) {
    return new FagentError(
      'http',
      `FAgent answered HTTP ${res.status} to ${what}, ${res.location ? `a redirect to "${shown(res.location)}"` : 'a redirect'}: redirects are not followed (the agent's token goes only where it was registered); register the agent at the address it redirects to`,
      res.status
    );
  }
  if (res.encoding !== undefined && res.status >= 200 && res.status < 300) {
    return new FagentError(
      'invalid_answer',
      `FAgent answered ${what} compressed (Content-Encoding: ${shown(res.encoding)}), which this service neither asks for nor decodes: turn compression off for the agent's address`,
      res.status
    );
  }
  return undefined;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const hasUtf8Bom = (b: Buffer) => b.length >= 3 && b[0] === UTF8_BOM[0] && b[1] === UTF8_BOM[1] && b[2] === UTF8_BOM[2];

/**
 * Turns an agent's HTTP answer into data or a FagentError, never anything else: `success:false` is a refusal
 * (with the agent's short reason), a non-2xx an HTTP error, then `parse` checks the shape. No message carries
 * the body itself.
 */
export function decodeAnswer<T>(what: string, status: number, answer: Buffer, parse: (v: unknown) => T): T {
  let json: unknown;
  // A byte order mark is no JSON, but agents written on some platforms (.NET, PowerShell) start with one.
  const body = hasUtf8Bom(answer) ? answer.subarray(UTF8_BOM.length) : answer;
  if (body.length > 0) {
    // Most answers are ASCII: then latin1 decodes the same text without UTF-8's per-byte work. Bytes that are
    // not UTF-8 are refused rather than read as U+FFFD: a name read so would never match HAProxy's again.
    const ascii = isAscii(body);
    let unreadable: string | undefined;
    if (!ascii && !isUtf8(body)) {
      unreadable =
        'bytes that are not UTF-8 (JSON is UTF-8 text: an agent writing another encoding, such as Latin-1, must convert)';
    } else {
      try {
        json = parseJsonBytes(body, ascii ? 'latin1' : 'utf8');
      } catch {
        unreadable = 'invalid JSON';
      }
    }
    if (unreadable !== undefined) {
      if (status < 200 || status >= 300) {
        throw httpError(what, status);
      }
      throw new FagentError('invalid_answer', `FAgent answered ${what} with ${unreadable}`, status);
    }
  }
  const reason = refusalReason(json);
  if (reason !== undefined) {
    throw new FagentError('refused', `FAgent refused ${what}: ${reason}`, status >= 400 ? status : undefined);
  }
  if (status < 200 || status >= 300) {
    throw httpError(what, status);
  }
  try {
    return parse(json);
  } catch (err) {
    throw err instanceof AnswerProblem ? answerError(what, err, status) : err;
  }
}
