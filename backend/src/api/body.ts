import { isUtf8 } from 'node:buffer';
import type { Context, Next } from 'koa';
import { AppError } from '../domain/errors';

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}

/** Reads a JSON body with a size limit: too large is a 413, broken JSON or UTF-8 a 400, never a 500. */
export function jsonBody(maxBytes: number) {
  return async (ctx: Context, next: Next) => {
    if (['POST', 'PUT', 'PATCH'].includes(ctx.method)) {
      const declared = Number(ctx.get('content-length') || 0);
      if (declared > maxBytes) {
        throw new AppError(413, 'payload_too_large', `body larger than ${maxBytes} bytes`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of ctx.req) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          throw new AppError(413, 'payload_too_large', `body larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      if (text.trim() === '') {
        ctx.request.body = undefined;
      } else {
        if (!ctx.is('application/json') && ctx.get('content-type')) {
          throw new AppError(415, 'unsupported_media_type', 'send the body as application/json');
        }
        // JSON is UTF-8: other bytes were decoded as U+FFFD and stored so, something else than was sent.
        if (!isUtf8(bytes)) {
          throw new AppError(400, 'bad_request', 'body is not valid UTF-8');
        }
        try {
          ctx.request.body = JSON.parse(text);
        } catch {
          throw new AppError(400, 'bad_request', 'body is not valid JSON');
        }
      }
    }
    await next();
  };
}
