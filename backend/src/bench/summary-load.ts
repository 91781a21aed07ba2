import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The benchmark's API readers, in a child process so their CPU is not the backend's: `clients` loops each
 * asking `GET /api/haproxy/summary` again as soon as the last answer came, from `start` until `stop`; the
 * latencies from `measure` on go back to the parent (before it the pollers open their connections and the
 * service its first count, as Grafana's panels find it: polled all along).
 */
export interface LoadReport {
  requests: number;
  failed: number;
  latenciesMs: number[];
}

function main() {
  const { url, token, clients } = JSON.parse(process.argv[2]) as { url: string; token: string; clients: number };
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const get = () =>
    new Promise<number>((resolve) => {
      const t = performance.now();
      http
        .get(`${url}/api/haproxy/summary`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t : -1));
        })
        .on('error', () => resolve(-1));
    });
  let running = false;
  let measuring = false;
  let loops: Array<Promise<void>> = [];
  const latencies: number[] = [];
  let failed = 0;
  process.on('message', async (m: 'start' | 'measure' | 'stop') => {
    if (m === 'measure') {
      measuring = true;
      process.send!('measuring');
    } else if (m === 'start') {
      running = true;
      measuring = false;
      latencies.length = 0;
      failed = 0;
      loops = Array.from({ length: clients }, async () => {
        while (running) {
          const ms = await get();
          if (!measuring) {
            continue;
          } else if (ms < 0) {
            failed++;
          } else {
            latencies.push(ms);
          }
        }
      });
      process.send!('started');
    } else {
      running = false;
      await Promise.all(loops);
      const report: LoadReport = { requests: latencies.length + failed, failed, latenciesMs: latencies };
      process.send!(report);
    }
  });
}

if (require.main === module) {
  main();
}
