import type { IncomingMessage } from 'node:http';

/** A command body is a few bytes (`{"weight":"50%"}`); anything much larger is not one. */
export const MAX_BODY_BYTES = 4096;

export class RequestBodyError extends Error {
  constructor(
    readonly httpStatus: 400 | 413,
    message: string
  ) {
    super(message);
  }
}

/** Reads and parses a JSON body of at most `limit` bytes; stops reading as soon as it is too large. */
export function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = () => new RequestBodyError(413, `request body is larger than ${limit} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        reject(new RequestBodyError(400, 'a JSON body is required'));
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new RequestBodyError(400, `request body is not valid JSON: ${(err as Error).message}`));
      }
    });
  });
}
