/*
 * Extends create-plugin's webpack config (never edited: .config/ belongs to create-plugin), as
 * https://grafana.com/developers/plugin-tools/how-to-guides/extend-configurations#extend-the-webpack-config
 * recommends. The base copies every src/ JSON file (the nested data source's plugin.json, the dashboards) and
 * the app's own logos; this adds the nested data source's logo, which it does not know about.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    cache: {
      type: 'filesystem',
      buildDependencies: { config: [path.resolve(process.cwd(), 'webpack.config.ts')] },
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: 'datasource/img', to: 'datasource/img' },
          { from: 'dashboards/*.json', to: '.', force: true },
        ],
      }),
    ],
  });
};

export default config;
