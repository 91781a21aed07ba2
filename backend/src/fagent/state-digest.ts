import { serversFingerprint } from '../sync/fingerprint';
import { answerError, decodeAnswer } from './answer';
import { AnswerLimits, FagentBackendState, FagentInfo, FagentServer, FagentState, parseStateAnswer } from './schemas';

/**
 * A /state answer decoded, validated and fingerprinted, in a form cheap to pass between threads: a backend's
 * servers come only when its fingerprint is not the one the caller already knows (decode-pool.ts).
 */
export interface StateDigest {
  info?: FagentInfo;
  infoError?: string;
  /** A backend whose servers could not be read has its `error` instead of a fingerprint. */
  backends: Array<{ name: string; fingerprint?: string; servers?: FagentServer[]; error?: string }>;
}

/** What a decoding thread is asked: one answer's HTTP status and body, and the fingerprints already known. */
export interface StateJob {
  what: string;
  status: number;
  body: Uint8Array;
  limits: AnswerLimits;
  /** [backend name, fingerprint of its server list] the sync last applied. */
  known: ReadonlyArray<readonly [string, string]>;
}

export const decodeState = (j: Pick<StateJob, 'what' | 'status' | 'body' | 'limits'>): FagentState =>
  decodeAnswer(j.what, j.status, Buffer.from(j.body.buffer, j.body.byteOffset, j.body.byteLength), (v) =>
    parseStateAnswer(v, j.limits, (problem) => answerError(j.what, problem).message)
  );

/** Throws what decodeAnswer throws (a FagentError) for an answer that is not a valid /state. */
export function digestState(job: StateJob): StateDigest {
  const state = decodeState(job);
  const known = new Map(job.known);
  return {
    info: state.info,
    infoError: state.infoError,
    backends: state.backends.map((b) => {
      if (b.error !== undefined) {
        return { name: b.name, error: b.error };
      }
      const fingerprint = serversFingerprint(b.servers);
      return known.get(b.name) === fingerprint
        ? { name: b.name, fingerprint }
        : { name: b.name, fingerprint, servers: b.servers };
    }),
  };
}

/**
 * The answer again from its digest: a backend whose servers the digest left out reads them from `whole` (the
 * same body decoded on this thread) the first time they are asked for, which a sync only does when it plans
 * more than the backends that changed.
 */
export function stateFromDigest(digest: StateDigest, whole: () => FagentState): FagentState {
  return {
    info: digest.info,
    infoError: digest.infoError,
    backends: digest.backends.map((b, i): FagentBackendState => {
      if (b.error !== undefined) {
        return { name: b.name, servers: [], error: b.error };
      }
      if (b.servers) {
        return { name: b.name, fingerprint: b.fingerprint, servers: b.servers };
      }
      return {
        name: b.name,
        fingerprint: b.fingerprint,
        get servers() {
          return whole().backends[i].servers;
        },
      };
    }),
  };
}
