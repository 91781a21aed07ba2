/**
 * A tiny AMD loader, enough for a Grafana plugin's dist/module.js: `define([deps], factory)` (anonymous, as
 * webpack's `libraryTarget: 'amd'` writes it), named modules registered by the host (Grafana's shared
 * packages), and the special "module" / "exports" / "require" dependencies. Grafana itself uses SystemJS with
 * its AMD extra; what matters to the plugin is the same: each shared package resolves to the one instance the
 * host uses, and "module".uri is the URL module.js was loaded from (webpack derives its public path from it).
 */

type Factory = (...deps: unknown[]) => unknown;

interface Pending {
  deps: string[];
  factory: Factory | unknown;
}

const registry = new Map<string, unknown>();
const loading = new Map<string, Promise<unknown>>();
/** define() calls made by the script currently executing, keyed by its URL. */
const anonymous = new Map<string, Pending>();

export function registerModule(name: string, exports: unknown) {
  registry.set(name, exports);
}

function define(...args: unknown[]) {
  let name: string | undefined;
  let deps: string[] = [];
  let factory: unknown;
  if (typeof args[0] === 'string') {
    name = args.shift() as string;
  }
  if (Array.isArray(args[0])) {
    deps = args.shift() as string[];
  }
  factory = args[0];
  const script = document.currentScript as HTMLScriptElement | null;
  const key = name ?? script?.dataset.amdUrl ?? script?.src;
  if (!key) {
    throw new Error('anonymous define() outside of a script loaded by the AMD loader');
  }
  anonymous.set(key, { deps, factory });
}
define.amd = {};

async function resolveDeps(
  url: string,
  deps: string[]
): Promise<{ values: unknown[]; exports: Record<string, unknown> }> {
  const exports: Record<string, unknown> = {};
  const values = await Promise.all(
    deps.map((dep) => {
      if (dep === 'module') {
        return { id: url, uri: url, exports };
      }
      if (dep === 'exports') {
        return exports;
      }
      if (dep === 'require') {
        return (name: string) => {
          if (!registry.has(name)) {
            throw new Error(`AMD: module "${name}" is not loaded`);
          }
          return registry.get(name);
        };
      }
      return load(dep);
    })
  );
  return { values, exports };
}

/** Loads a module: a registered name, or the URL of an AMD script. */
export function load(nameOrUrl: string): Promise<unknown> {
  if (registry.has(nameOrUrl)) {
    return Promise.resolve(registry.get(nameOrUrl));
  }
  if (!/^(\/|\.|https?:)/.test(nameOrUrl)) {
    return Promise.reject(new Error(`AMD: no shared module "${nameOrUrl}" (the host does not provide it)`));
  }
  const url = new URL(nameOrUrl, document.baseURI).toString();
  const existing = loading.get(url);
  if (existing) {
    return existing;
  }
  const promise = new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.dataset.amdUrl = url;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`AMD: could not load ${url}`));
    document.head.appendChild(script);
  }).then(async () => {
    const pending = anonymous.get(url);
    if (!pending) {
      throw new Error(`AMD: ${url} did not call define()`);
    }
    anonymous.delete(url);
    const { values, exports } = await resolveDeps(url, pending.deps);
    const result = typeof pending.factory === 'function' ? (pending.factory as Factory)(...values) : pending.factory;
    const moduleExports = result === undefined ? exports : result;
    registry.set(url, moduleExports);
    return moduleExports;
  });
  loading.set(url, promise);
  return promise;
}

export function installAmd() {
  const w = window as unknown as Record<string, unknown>;
  w.define = define;
  w.require = (deps: string[], callback?: Factory, errback?: (err: unknown) => void) => {
    Promise.all(deps.map(load)).then((values) => callback?.(...values), errback ?? ((err) => console.error(err)));
  };
}
