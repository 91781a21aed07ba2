#!/usr/bin/env node
/** haproxy-control-agent: FAgent-compatible HTTP agent over HAProxy's runtime API. Wiring only. */
import pino from 'pino';
import { AgentConfigError, loadAgentConfig } from './config';
import { formatRuntimeApiAddress } from './runtime-api';
import { startAgentServer } from './server';

const USAGE = `Usage: haproxy-control-agent --config <file>   (or AGENT_CONFIG=<file>)
The token may come from AGENT_TOKEN instead of the file. See docs/agent.md.`;

function configPath(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  const i = argv.findIndex((a) => a === '--config' || a === '-c');
  if (i !== -1) {
    return argv[i + 1];
  }
  const inline = argv.find((a) => a.startsWith('--config='));
  return inline ? inline.slice('--config='.length) : env.AGENT_CONFIG;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const path = configPath(argv, process.env);
  if (!path) {
    console.error(`No config file given.\n${USAGE}`);
    process.exit(2);
  }
  const config = loadAgentConfig(path);
  const logger = pino({
    level: config.logLevel,
    base: { service: 'haproxy-control-agent' },
    redact: { paths: ['token', 'headers.authorization'], censor: '[redacted]' },
  });
  const { host, port, tls } = config.listen;
  const agent = await startAgentServer({ ...config, host, port, tls, logger });
  logger.info(
    {
      url: agent.url,
      instances: Object.fromEntries([...config.instances].map(([name, a]) => [name, formatRuntimeApiAddress(a)])),
    },
    'agent listening'
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping');
    // A command in flight is answered (its HAProxy exchange and read-back each have the request timeout):
    // cut off, the backend could only record it as unknown.
    agent.stop(2 * config.requestTimeoutMs + 1000).then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof AgentConfigError ? err.message : err);
  process.exit(1);
});
