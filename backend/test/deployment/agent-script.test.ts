import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The README runs the reference agent from the checkout's root with `npm run agent -- --config agent.yaml`: the
 * option must reach the agent (npm keeps options it knows, such as --config, for itself when a script passes
 * them on), and a relative path is taken from where it was typed.
 */
const root = path.resolve(__dirname, '../../..');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-agent-script-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('`npm run agent -- --config <file>` gives the agent that file, relative to the root', () => {
  const file = path.join(dir, 'agent.yaml');
  fs.writeFileSync(file, 'listen: [\n'); // not YAML: the agent stops at once, naming the file it read
  const relative = path.relative(root, file);
  const run = spawnSync('npm', ['run', '--silent', 'agent', '--', '--config', relative], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(run.stderr).toContain(`Agent config ${relative} is not valid YAML`);
  expect(run.status).toBe(1);
}, 300_000);
