/**
 * The environment of the service run as a child process (`node dist/main.js`, `npm start`) on an embedded
 * PostgreSQL: no DATABASE_URL, loopback only, an OS-chosen API port; `env` over it.
 */
export const childServiceEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...process.env,
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'info',
  DATABASE_URL: '',
  ...env,
});
