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
      comment:
        'As no-cycles. A warning until the plugin is reworked: the data source imports its annotation editor, ' +
        "whose props (and ScopePicker's) import the DataSource type back.",
      severity: 'warn',
      from: { path: '^src/' },
      to: { circular: true },
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
        "backend's other folders.",
      severity: 'error',
      from: { path: '^backend/src/agent/' },
      to: { path: '^backend/src/', pathNot: '^backend/src/agent/' },
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
