import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The README's "Install into an existing Grafana" commands, run as written (without sudo, into a stand-in for
 * Grafana's plugins directory): a first install and an upgrade over it both leave the built plugin there.
 */
const root = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Install into an existing Grafana'));
const block = /```bash\n([\s\S]*?)```/.exec(section)![1];
const pluginId = JSON.parse(fs.readFileSync(path.join(root, 'src/plugin.json'), 'utf8')).id;
const GRAFANA_PLUGINS = '/var/lib/grafana/plugins';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-readme-install-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** "Builds" dist/ with this version, then runs the block's install lines (the build itself is not run). */
function install(version: string): void {
  fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist', 'plugin.json'), JSON.stringify({ id: pluginId, version }));
  const lines = block.split('\n').filter((l) => l.startsWith('sudo '));
  expect(lines.join('\n')).toContain(`${GRAFANA_PLUGINS}/${pluginId}`);
  const script = lines.map((l) => l.slice('sudo '.length).replaceAll(GRAFANA_PLUGINS, `${dir}/plugins`)).join('\n');
  execFileSync('bash', ['-euc', script], { cwd: dir });
}

test('a first install and an upgrade both leave the built plugin where Grafana looks for it', () => {
  fs.mkdirSync(path.join(dir, 'plugins'));
  const installed = () => JSON.parse(fs.readFileSync(path.join(dir, 'plugins', pluginId, 'plugin.json'), 'utf8'));
  install('0.1.0');
  expect(installed()).toEqual({ id: pluginId, version: '0.1.0' });
  install('0.2.0');
  expect(installed()).toEqual({ id: pluginId, version: '0.2.0' });
  expect(fs.readdirSync(path.join(dir, 'plugins', pluginId))).toEqual(['plugin.json']);
});
