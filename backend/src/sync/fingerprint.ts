import type { FagentInfo, FagentServer } from '../fagent/schemas';

/**
 * Fingerprints of what a sync decides on, so that an answer saying what the last one said is recognised without
 * reading what is stored (docs/architecture.md "Write only what changed"). They are kept in PostgreSQL, so every
 * replica computes them alike: a 64-bit hash of the values, not of the bytes. Only what the sync stores or
 * decides on counts: a real agent's `last_change_seconds`, `uptime_s` or `check_status` move every second
 * and would make every answer new. Not a defence against an agent forging collisions: an agent can say
 * anything about its own servers anyway.
 */

/** Two 32-bit multiply-xor lanes (cyrb53's mixing), folded over every value with its length as a separator. */
class Hash {
  private a = 0xdeadbeef;
  private b = 0x41c6ce57;

  text(s: string): this {
    let { a, b } = this;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 2654435761);
      b = Math.imul(b ^ c, 1597334677);
    }
    this.a = a;
    this.b = b;
    // The length ends the value, so ["ab", "c"] and ["a", "bc"] differ.
    return this.int(s.length);
  }

  int(n: number): this {
    this.a = Math.imul(this.a ^ n, 2654435761);
    this.b = Math.imul(this.b ^ (n / 0x100000000), 1597334677);
    this.b = Math.imul(this.b ^ n, 1597334677);
    return this;
  }

  /** null and undefined are values of their own (an absent field is not an empty one). */
  optionalText(s: string | null | undefined): this {
    return s === undefined ? this.int(-1) : s === null ? this.int(-2) : this.text(s);
  }

  optionalInt(n: number | null | undefined): this {
    return n === undefined ? this.int(-1).int(-1) : n === null ? this.int(-2).int(-2) : this.int(0).int(n);
  }

  digest(): string {
    let { a, b } = this;
    a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
    b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }
}

/** A backend's server list as the sync reads it (planSync, observedState), in the agent's order. */
export function serversFingerprint(servers: readonly FagentServer[]): string {
  const h = new Hash().int(servers.length);
  for (const s of servers) {
    h.text(s.name)
      .text(s.address)
      .text(s.status)
      .int(s.weight)
      .int(s.current_sessions)
      .int(s.max_sessions)
      .optionalText(s.admin_state)
      .optionalText(s.maint_source)
      .optionalText(s.operational_state)
      .optionalInt(s.initial_weight)
      .optionalText(s.tracks)
      .optionalInt(s.backup === undefined ? undefined : Number(s.backup));
  }
  return h.digest();
}

export interface AnswerShape {
  /** Every backend the agent listed, in its order. */
  backends: readonly string[];
  /** The instance's selective-polling scope (null: every backend). */
  scope: readonly string[] | null;
  /** The HAProxy process, when the agent says. */
  info: FagentInfo | undefined;
  /** Auto-mapping's inputs (MappingIndex.fingerprint). */
  mapping: string;
}

/** The rest of an answer and of what the sync decides with: what the servers' fingerprints do not cover. */
export function answerShapeFingerprint(a: AnswerShape): string {
  const h = new Hash().int(a.backends.length);
  for (const b of a.backends) {
    h.text(b);
  }
  h.optionalInt(a.scope?.length);
  for (const s of a.scope ?? []) {
    h.text(s);
  }
  // The process, not its uptime: a new pid or start time is a restart, which the sync must see.
  h.optionalText(a.info?.version).optionalInt(a.info?.pid).optionalText(a.info?.started_at);
  return h.text(a.mapping).digest();
}

/** A fingerprint of any list of texts and numbers (auto-mapping's hosts and applications). */
export function valuesFingerprint(values: ReadonlyArray<string | number | null>): string {
  const h = new Hash().int(values.length);
  for (const v of values) {
    if (typeof v === 'number') {
      h.int(v);
    } else {
      h.optionalText(v);
    }
  }
  return h.digest();
}
