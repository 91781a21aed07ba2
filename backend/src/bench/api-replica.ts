import { startService } from '../service';

/**
 * A second replica of the service on the bench's database, with its scheduler off (HAPROXY_ENABLED=false), in
 * a child process: the deployment where Grafana's requests go to replicas that do not sync, so a cycle's
 * parsing never holds the event loop that answers them. Sends its URL once it listens; 'stop' ends it.
 */
async function main() {
  const { databaseUrl, token } = JSON.parse(process.argv[2]) as { databaseUrl: string; token: string };
  const service = await startService({
    databaseUrl,
    port: 0,
    enabled: false,
    logLevel: 'warn',
    bootstrapAdminToken: token,
  });
  process.on('message', async () => {
    await service.stop();
    process.exit(0);
  });
  process.send!({ url: service.url });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
