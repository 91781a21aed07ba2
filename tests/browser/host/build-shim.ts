/**
 * Bundles tests/browser/host/shim (Grafana's shared packages from node_modules + the host's runtime glue) into
 * one browser script with the webpack that create-plugin installed. The result is cached under
 * node_modules/.cache, keyed by the shim's sources and the versions of the packages it bundles, so only the
 * first run (or a dependency upgrade) pays for the build.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import TerserPlugin from 'terser-webpack-plugin';
import webpack from 'webpack';

const ROOT = path.resolve(__dirname, '../../..');
const SHIM_DIR = path.join(__dirname, 'shim');
/** Files outside shim/ that it imports (the fetch-based BackendSrv it shares with the plugin's unit tests). */
const SHARED_FILES = [path.join(ROOT, 'src/test/backendSrv.ts')];
const PACKAGES = [
  'react',
  'react-dom',
  'react-router-dom',
  '@grafana/data',
  '@grafana/ui',
  '@grafana/runtime',
  'rxjs',
  '@emotion/css',
  'webpack',
];

function cacheKey(): string {
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(SHIM_DIR).sort()) {
    hash.update(file).update(fs.readFileSync(path.join(SHIM_DIR, file)));
  }
  for (const file of SHARED_FILES) {
    hash.update(path.relative(ROOT, file)).update(fs.readFileSync(file));
  }
  hash.update(fs.readFileSync(__filename));
  for (const pkg of PACKAGES) {
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'));
    hash.update(`${pkg}@${json.version}`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Returns the path of the bundled shim, building it when the cache has none for the current inputs. */
export async function buildShim(log: (msg: string) => void = () => undefined): Promise<string> {
  const dir = path.join(ROOT, 'node_modules', '.cache', 'appcontrol-browser-host', cacheKey());
  const file = path.join(dir, 'grafana-shim.js');
  if (fs.existsSync(file)) {
    return file;
  }
  const started = Date.now();
  log('building the grafana-shim bundle (cached afterwards)...');
  const tmp = path.join(path.dirname(dir), '..', `appcontrol-browser-host.tmp-${process.pid}`);
  const compiler = webpack({
    mode: 'production',
    context: ROOT,
    entry: path.join(SHIM_DIR, 'index.tsx'),
    target: 'web',
    devtool: false,
    output: { path: tmp, filename: 'grafana-shim.js', publicPath: '/public/host/' },
    resolve: {
      extensions: ['.tsx', '.ts', '.mjs', '.js', '.json'],
      modules: [path.join(ROOT, 'node_modules'), 'node_modules'],
      // Grafana core sets PluginPage through a setter its public entry does not export: the same module file.
      alias: {
        'host-internal/PluginPage': path.join(ROOT, 'node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs'),
      },
      fallback: { fs: false, path: false, os: false, crypto: false, stream: false, util: false, buffer: false },
    },
    module: {
      rules: [
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        {
          test: /\.tsx?$/,
          include: [SHIM_DIR, ...SHARED_FILES],
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'classic' } },
                target: 'es2020',
              },
            },
          },
        },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(svg|png|woff2?|ttf|eot)$/, type: 'asset/inline' },
      ],
    },
    // swc's minifier, in this process (no worker processes): a smaller script that each page parses faster.
    optimization: {
      minimize: true,
      minimizer: [
        new TerserPlugin({
          minify: TerserPlugin.swcMinify,
          parallel: false,
          terserOptions: { compress: true, mangle: true },
        }),
      ],
      splitChunks: false,
    },
    performance: { hints: false },
    plugins: [
      new webpack.optimize.LimitChunkCountPlugin({ maxChunks: 1 }),
      new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('production') }),
    ],
    stats: 'errors-only',
  });
  await new Promise<void>((resolve, reject) =>
    compiler.run((err, stats) => {
      compiler.close(() => undefined);
      if (err) {
        reject(err);
      } else if (stats?.hasErrors()) {
        reject(new Error(stats.toString({ all: false, errors: true, errorDetails: true }).slice(0, 5000)));
      } else {
        resolve();
      }
    })
  );
  // Older builds (other inputs) are of no further use; on a fresh checkout there are none yet.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  for (const old of fs.readdirSync(path.dirname(dir))) {
    fs.rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
  }
  fs.renameSync(tmp, dir);
  log(`grafana-shim built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return file;
}
