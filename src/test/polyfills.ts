/**
 * jest-environment-jsdom hides Node's web platform globals (fetch, streams, BroadcastChannel...), which MSW 2
 * and the test backend service need. This runs in `setupFiles`, before any test module is loaded, and puts the
 * real implementations back: Node's own for streams and messaging, undici (the fetch Node itself ships) for
 * fetch and its classes.
 */
const { TextDecoder, TextEncoder } = require('node:util');
const { ReadableStream, TransformStream, WritableStream } = require('node:stream/web');
const { BroadcastChannel, MessageChannel, MessagePort } = require('node:worker_threads');
const { setImmediate, clearImmediate } = require('node:timers');
const { performance } = require('node:perf_hooks');

function define(values: Record<string, unknown>) {
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  }
}

define({
  TextDecoder,
  TextEncoder,
  ReadableStream,
  TransformStream,
  WritableStream,
  BroadcastChannel,
  MessageChannel,
  MessagePort,
  setImmediate,
  clearImmediate,
});

// undici reads these at load time, so it is required after the globals above exist.
const { Blob, File } = require('node:buffer');
const { fetch, Headers, FormData, Request, Response } = require('undici');

define({ fetch, Headers, FormData, Request, Response, Blob, File });

// undici reports resource timing through performance.markResourceTiming, which jsdom's performance lacks.
const jsdomPerformance = globalThis.performance as unknown as Record<string, unknown> | undefined;
if (!jsdomPerformance) {
  define({ performance });
} else if (typeof jsdomPerformance.markResourceTiming !== 'function') {
  jsdomPerformance.markResourceTiming = () => {};
}

export {};
