/**
 * The layering of docs/architecture.md as rules that run (`npm run lint:deps`, part of `npm run test:full`).
 * Type-only imports count: a type couples two modules as much as a value does.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Modules import each other one way: a cycle means two modules are one concept, or one is misplaced.',
      severity: 'error',
      from: { path: '^backend/src/' },
      to: { circular: true },
    },
    {
      name: 'no-cycles-in-the-plugin',
      comment: 'As no-cycles, for the plugin.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'plugin-api-is-the-bottom',
      comment: 'src/api/ (the one HTTP client, error model and contract types) imports nothing else of the plugin.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/api/' },
    },
    {
      name: 'datasource-uses-only-the-shared-api',
      comment: 'The nested data source shares src/api/ with the app and nothing else of it.',
      severity: 'error',
      from: { path: '^src/datasource/', pathNot: '\\.test\\.tsx?$|/test/' },
      to: { path: '^src/', pathNot: '^src/(api|datasource)/' },
    },
    {
      name: 'app-does-not-import-the-datasource',
      comment: 'The app reaches the backend through src/api/, never through the data source.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/datasource/|\\.test\\.tsx?$|^src/test/' },
      to: { path: '^src/datasource/' },
    },
    {
      name: 'nothing-below-api-imports-api',
      comment:
        'backend/src/api/ is the top layer: services share what it needs from below (domain/, http/, auth/); ' +
        'only the wiring (service.ts) creates the app.',
      severity: 'error',
      from: { path: '^backend/src/', pathNot: '^backend/src/(api/|service\\.ts$)' },
      to: { path: '^backend/src/api/' },
    },
    {
      name: 'store-imports-no-service',
      comment: 'The store is typed SQL over the tables: it knows the database (db/) and the domain, nothing above.',
      severity: 'error',
      from: { path: '^backend/src/store/' },
      to: { path: '^backend/src/', pathNot: '^backend/src/(db|domain|store)/' },
    },
    {
      name: 'agent-is-a-separate-program',
      comment:
        'The reference FAgent (backend/src/agent/) runs on HAProxy hosts on its own: it imports nothing of the ' +
        "backend's other folders but the HTTP server's graceful close, which knows nothing of the backend.",
      severity: 'error',
      from: { path: '^backend/src/agent/' },
      to: {
        path: '^backend/src/',
        pathNot: '^backend/src/(agent/|http/graceful-close\\.ts$)',
      },
    },
  ],
  required: [
    {
      name: 'datasource-shares-the-api-client',
      comment: 'The app and the data source call the backend through the same client (src/api/http.ts).',
      severity: 'error',
      module: { path: '^src/datasource/datasource\\.ts$' },
      to: { path: '^src/api/' },
    },
  ],
  options: {
    includeOnly: '^(backend/src|src)/',
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.json'],
    },
  },
};
