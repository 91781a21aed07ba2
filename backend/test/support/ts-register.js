// Lets a child `node` process load the backend's TypeScript sources the way jest does (@swc/core, CommonJS),
// for tests that must measure a process of their own: `node -r ./test/support/ts-register.js some.ts`.
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
