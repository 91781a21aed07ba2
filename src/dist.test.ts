import fs from 'fs';
import path from 'path';

/**
 * What `npm run build` ships besides the app: the nested data source (manifest, module, logo) and the dashboard.
 * Skipped when dist/ was not built.
 */
const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const built = fs.existsSync(path.join(DIST, 'plugin.json')) && fs.existsSync(path.join(DIST, 'module.js'));

(built ? describe : describe.skip)('built plugin (dist/)', () => {
  it('contains the nested data source: plugin.json with the version filled in, module.js, its logo', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'datasource', 'plugin.json'), 'utf8'));
    expect(manifest.id).toBe('appcontrol-haproxy-datasource');
    expect(manifest.info.version).not.toContain('%');
    expect(fs.readFileSync(path.join(DIST, 'datasource', 'module.js'), 'utf8')).toMatch(/define\(\[/);
    expect(fs.readFileSync(path.join(DIST, 'datasource', 'img', 'logo.svg'), 'utf8')).toBe(
      fs.readFileSync(path.join(ROOT, 'src', 'datasource', 'img', 'logo.svg'), 'utf8')
    );
  });

  it('contains the dashboard the app includes, unchanged', () => {
    expect(fs.readFileSync(path.join(DIST, 'dashboards', 'haproxy-fleet-trends.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(ROOT, 'src', 'dashboards', 'haproxy-fleet-trends.json'), 'utf8')
    );
  });

  it('lists every include whose file must exist in dist/', () => {
    const app = JSON.parse(fs.readFileSync(path.join(DIST, 'plugin.json'), 'utf8'));
    const files = app.includes.filter((i: { type: string }) => i.type !== 'page').map((i: { path: string }) => i.path);
    expect(files).toEqual(['datasource/plugin.json', 'dashboards/haproxy-fleet-trends.json']);
    for (const file of files) {
      expect(fs.existsSync(path.join(DIST, file))).toBe(true);
    }
  });
});
