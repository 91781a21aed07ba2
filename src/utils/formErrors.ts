import { ApiError, asApiError } from '../api/errors';

/** What a form shows of a refusal: messages under the fields they name, and the rest above the buttons. */
export interface FormErrors<F extends string> {
  fields: Partial<Record<F, string>>;
  general?: string;
}

/**
 * The backend's 400 and 409 messages placed under the form's fields, so the form says exactly what the API says
 * (the rules live in one place: the backend's validation). A 400 lists `field: message` parts joined by "; "
 * (`backend_scope.0: must not be empty`); a 409 names the unique key PostgreSQL refused (`Key (host_id, name)`).
 * Anything it cannot place is the general message.
 */
export function formErrorsOf<F extends string>(err: unknown, fields: readonly F[]): FormErrors<F> {
  const error: ApiError = asApiError(err);
  const out: FormErrors<F> = { fields: {} };
  const rest: string[] = [];
  if (error.kind === 'conflict') {
    const columns = /Key \((.*?)\)=\(/.exec(error.message)?.[1].split(/,\s*/) ?? [];
    const field = fields.find((f) => columns[columns.length - 1] === f);
    if (field) {
      out.fields[field] = 'already exists';
      return out;
    }
  }
  if (error.kind === 'bad_request') {
    for (const part of issuesOf(error.message)) {
      const field = fields.find((f) => part.startsWith(`${f}:`) || part.startsWith(`${f}.`));
      if (field && out.fields[field] === undefined) {
        out.fields[field] = fieldMessage(part.slice(field.length));
      } else {
        rest.push(part);
      }
    }
  } else {
    rest.push(error.message);
  }
  if (rest.length > 0) {
    out.general = rest.join('; ');
  }
  return out;
}

/**
 * The `path: message` parts of a 400. A message may hold "; " itself (`backend_scope: must list at least one
 * backend name or pattern; use null for all backends`): a piece that starts with no path goes with the one before.
 */
function issuesOf(message: string): string[] {
  const parts: string[] = [];
  for (const piece of message.split('; ')) {
    if (parts.length > 0 && !/^[\w.]+:/.test(piece)) {
      parts[parts.length - 1] += `; ${piece}`;
    } else {
      parts.push(piece);
    }
  }
  return parts;
}

/** `: must not be empty` -> `must not be empty`; `.0: must not be empty` (a list's first item) -> `item 1: ...`. */
function fieldMessage(afterField: string): string {
  const item = /^\.(\d+)(.*)$/.exec(afterField);
  if (item) {
    return `item ${Number(item[1]) + 1}${item[2]}`;
  }
  return afterField.replace(/^:\s*/, '');
}
