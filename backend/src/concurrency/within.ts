/**
 * The work's value, or undefined once `ms` have passed without it (the work goes on; its failure, should it
 * come later, is the caller's to handle). Without `ms`, simply the work's value.
 */
export async function within<T>(work: Promise<T>, ms: number | undefined): Promise<T | undefined> {
  if (ms === undefined) {
    return work;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
