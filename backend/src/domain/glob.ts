import picomatch from 'picomatch';

/** Longest glob accepted anywhere (backend scopes, history scopes, METRICS_SERVER_INSTANCES). */
export const MAX_GLOB_LENGTH = 200;

/**
 * The one glob dialect of the service: picomatch's `*`, `?`, `[abc]`, `[!abc]`, `[a-z]`, `{a,b}` (how
 * Grafana formats a multi-value variable) and `{1..3}`; extglob and a leading `!` are plain characters;
 * names starting with a dot are ordinary names; `*` and `?` do not cross `/` (as in `host/instance`).
 * Globs are matched by PostgreSQL (store/sql.ts), whose regular expressions run without backtracking:
 * the same expression in V8 takes minutes for `*a*a*a*a*a*b` against a long name, whatever its length limit.
 */
const OPTIONS: picomatch.PicomatchOptions = {
  dot: true,
  noextglob: true,
  nonegate: true,
  posix: true, // `[!abc]` negates only with posix on
  windows: false,
  maxLength: MAX_GLOB_LENGTH,
};

/** True when the text has glob syntax; anything else is a plain name. */
export function isGlob(text: string): boolean {
  return picomatch.scan(text, OPTIONS).isGlob;
}

/** Most names one glob of literal alternatives may stand for (literalExpansion). */
export const MAX_GLOB_NAMES = 1000;

/** Characters that make a glob a pattern, or that picomatch may read as syntax: not expanded as literals. */
const PATTERN_CHARS = new Set(['*', '?', '[', ']', '(', ')', '|', '!', '+', '@']);

/**
 * The names a glob of literal text and `{a,b}` groups stands for (`web-{a,b}` -> web-a, web-b; `\x` is x),
 * or undefined when it holds any pattern (or ranges, nested groups, more than MAX_GLOB_NAMES names). This is
 * how Grafana sends a multi-value variable (the data source escapes each value inside `{…}`): such a glob is
 * matched as exact names, so its length is not bound by MAX_GLOB_LENGTH, which exists for patterns. Without a
 * group, escaped punctuation alone (`web\*`: the backend named `web*`) is one such name too.
 */
export function literalExpansion(text: string): string[] | undefined {
  let names = [''];
  let grouped = false;
  /** Outside groups: a `\` before punctuation (an escape), and one before a letter or digit (not one: globProblem). */
  let escaped = false;
  let plainBackslash = false;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '{') {
      const alternatives: string[] = [];
      let current = '';
      for (i++; ;) {
        const d = text[i];
        if (d === undefined || d === '{' || PATTERN_CHARS.has(d)) {
          return undefined;
        }
        if (d === '\\') {
          if (i + 1 >= text.length) {
            return undefined;
          }
          current += text[i + 1];
          i += 2;
          continue;
        }
        i++;
        if (d === '}') {
          alternatives.push(current);
          break;
        }
        if (d === ',') {
          alternatives.push(current);
          current = '';
        } else {
          current += d;
        }
      }
      // `{a}` and `{1..3}` are picomatch's to read.
      if (alternatives.length < 2 || names.length * alternatives.length > MAX_GLOB_NAMES) {
        return undefined;
      }
      names = names.flatMap((name) => alternatives.map((a) => name + a));
      grouped = true;
    } else if (c === '}' || PATTERN_CHARS.has(c)) {
      return undefined;
    } else if (c === '\\') {
      if (i + 1 >= text.length) {
        return undefined;
      }
      if (/[0-9A-Za-z]/.test(text[i + 1])) {
        plainBackslash = true;
      } else {
        escaped = true;
      }
      names = names.map((name) => name + text[i + 1]);
      i += 2;
    } else {
      names = names.map((name) => name + c);
      i++;
    }
  }
  return grouped || (escaped && !plainBackslash) ? names : undefined;
}

/** Why a text cannot be used as a glob, or undefined when it can. */
export function globProblem(text: string): string | undefined {
  if (literalExpansion(text)) {
    return undefined;
  }
  if (text.length > MAX_GLOB_LENGTH) {
    return `must be at most ${MAX_GLOB_LENGTH} characters`;
  }
  if (!isGlob(text)) {
    return undefined;
  }
  // picomatch keeps `\1`, `\w`, `\d` as regular-expression escapes (a backreference, a class), not as the
  // literal character a glob means, and PostgreSQL reads more of them (`\m`, `\y`, `\Z`): punctuation only.
  if (/(^|[^\\])(\\\\)*\\[0-9A-Za-z]/.test(text)) {
    return 'may escape only punctuation with a backslash (e.g. \\* or \\?), not a letter or digit';
  }
  // picomatch writes `{..}` and the like as an empty class, which JavaScript accepts and PostgreSQL refuses.
  const source = picomatch.makeRe(text, OPTIONS).source;
  // picomatch's answer to a pattern it finds invalid, such as the backwards range [z-a]: a scope of it would
  // silently poll nothing.
  if (source === '$^') {
    return 'matches no name (a range backwards, as [z-a], or another invalid pattern)';
  }
  if (/(^|[^\\])\[\^?\]/.test(source)) {
    return 'is not a glob PostgreSQL can match (an empty range or class)';
  }
  if (!classesPostgresTakes(source)) {
    return 'is not a glob PostgreSQL can match (a range backwards or after another, as {1..3..x} makes, or an unknown [:class:])';
  }
  return undefined;
}

/**
 * Whether PostgreSQL compiles every bracket expression of a regular expression picomatch wrote. picomatch passes
 * `[[:foo:]]` through and writes `{1..3..x}` as `[1-3-x]`: JavaScript reads them (a `-` after a range is a
 * literal), PostgreSQL refuses them (invalid character class / range), and every statement with one was a 500.
 */
function classesPostgresTakes(source: string): boolean {
  const chars = Array.from(source);
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\') {
      i++;
      continue;
    }
    if (chars[i] !== '[') {
      continue;
    }
    i += chars[i + 1] === '^' ? 2 : 1;
    const first = i;
    /** The code point of the character before, while it may start a range. */
    let start: number | undefined;
    for (; chars[i] !== ']'; i++) {
      if (chars[i] === undefined || (chars[i] === '[' && /[:.=]/.test(chars[i + 1] ?? ''))) {
        return false; // unbalanced, or a POSIX class or collating element picomatch did not translate
      }
      if (chars[i] === '-' && i > first && chars[i + 1] !== ']') {
        // A range: from a single character (not one that ended a range, not \d \w \s) up to one not below it.
        const escaped = chars[i + 1] === '\\';
        const end = chars[i + (escaped ? 2 : 1)];
        if (
          start === undefined ||
          end === undefined ||
          (escaped && /[A-Za-z0-9]/.test(end)) ||
          end.codePointAt(0)! < start
        ) {
          return false;
        }
        i += escaped ? 2 : 1;
        start = undefined;
        continue;
      }
      const escaped = chars[i] === '\\';
      const c = escaped ? chars[++i] : chars[i];
      start = c === undefined || (escaped && /[A-Za-z0-9]/.test(c)) ? undefined : c.codePointAt(0);
    }
  }
  return true;
}

/** The anchored regular expression of a glob, in the syntax JavaScript and PostgreSQL share. */
export function globToRegex(glob: string): string {
  const problem = globProblem(glob);
  if (problem) {
    throw new Error(`glob "${glob.slice(0, 50)}" ${problem}`);
  }
  return picomatch.makeRe(glob, OPTIONS).source;
}

/** Values of a name filter: each matches itself exactly, and the globs among them also as patterns. */
export interface NameFilter {
  names: string[];
  /** Regular expressions (globToRegex) of the values that are globs. */
  patterns: string[];
}

export function nameFilter(values: readonly string[]): NameFilter {
  const names: string[] = [];
  const patterns: string[] = [];
  for (const value of values) {
    names.push(value);
    const literal = literalExpansion(value);
    if (literal) {
      names.push(...literal);
    } else if (isGlob(value)) {
      patterns.push(globToRegex(value));
    }
  }
  return { names, patterns };
}
