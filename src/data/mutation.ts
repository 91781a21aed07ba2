import { asApiError } from '../api/errors';
import { notifyError, notifySuccess } from '../utils/notify';

/**
 * A change that is not a form's (delete, activate, restore, confirm): runs it and says how it went in a toast.
 * Never rejects: resolves true when it worked, so the caller refreshes what changed.
 */
export async function changeWithToast(
  work: () => Promise<unknown>,
  success: { title: string; detail?: string },
  failure: string
): Promise<boolean> {
  try {
    await work();
    notifySuccess(success.title, success.detail);
    return true;
  } catch (err) {
    notifyError(failure, asApiError(err).message);
    return false;
  }
}

/** (De)activating a host or an instance: polling stops or resumes, everything stored stays. */
export function changeActivity(what: string, active: boolean, work: () => Promise<unknown>): Promise<boolean> {
  return changeWithToast(
    work,
    {
      title: `${what} ${active ? 'activated' : 'deactivated'}`,
      detail: active ? 'It is polled again from the next cycle.' : 'It is no longer polled; everything stored stays.',
    },
    `${what} could not be ${active ? 'activated' : 'deactivated'}`
  );
}
