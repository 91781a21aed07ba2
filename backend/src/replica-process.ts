import { ChildProcess, fork } from 'node:child_process';
import type { AppConfig } from './config';
import { SERVICE_NODE_FLAGS } from './node-flags';
import { execArgvFor } from './own-code';
import { startService } from './service';
import { stopOnSignal } from './shutdown-signals';

/**
 * The service in a process of its own, as a replica on a database another service uses (the tests' replicas,
 * the bench's readers on a replica that does not sync). Its configuration is the overrides alone, not the
 * environment; its scheduler is off unless they turn it on.
 */
export interface ReplicaProcess {
  process: ChildProcess;
  url: string;
  /** Asks it to stop (killed after 20 s); nothing to do when it has exited or was killed. */
  stop(): Promise<void>;
}

export async function startReplicaProcess(
  databaseUrl: string,
  overrides: Partial<AppConfig> = {}
): Promise<ReplicaProcess> {
  const p = fork(__filename, [databaseUrl, JSON.stringify(overrides)], {
    execArgv: [...SERVICE_NODE_FLAGS, ...execArgvFor(__filename)],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    p.once('message', (m) => resolve((m as { url: string }).url));
    p.once('exit', (code) => reject(new Error(`a replica process exited (${code}) before it listened`)));
  });
  return {
    process: p,
    url,
    async stop() {
      if (p.exitCode !== null || p.signalCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => p.once('exit', resolve));
      p.send('exit');
      const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** The child: sends {url} once it listens; on any message, or a stop signal, it stops and exits. */
async function main() {
  const [databaseUrl, overrides] = process.argv.slice(2);
  const service = await startService(
    {
      databaseUrl,
      host: '127.0.0.1',
      port: 0,
      enabled: false,
      ...(JSON.parse(overrides) as Partial<AppConfig>),
    },
    {}
  );
  // service.stop() is one stop however often asked, so a signal and the parent's message may both come.
  const stop = () =>
    service.stop().then(
      () => 0,
      (err) => {
        console.error(err);
        return 1;
      }
    );
  // As the service's own main: a stop signal (a rolling restart's SIGTERM) ends the commands in flight and hands
  // jobs and windows back, rather than leaving them to their leases.
  stopOnSignal(stop);
  process.on('message', () => void stop().then((code) => process.exit(code)));
  process.send!({ url: service.url });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
