import { COMPONENTS, killDaemon, runningPid } from '@dsp/infra-stack';

/**
 * Fault injection against the real local stack, for integration tests. Each
 * call targets one named server (`zk-1`, `kafka-2`, `mysql-c0-replica`, `redis`).
 */
export const stackControl = {
  pid(server: string): number | undefined {
    return runningPid(server);
  },

  /** kill -9 (or another signal) one server. */
  kill(server: string, signal: NodeJS.Signals = 'SIGKILL'): number {
    const pid = killDaemon(server, signal);
    if (pid === undefined) throw new Error(`${server} is not running`);
    return pid;
  },

  /** Starts every stopped server of the component that owns `server`, and waits until it serves. */
  async restart(server: string, timeoutMs = 120_000): Promise<void> {
    const component = COMPONENTS.find((c) => c.daemons.includes(server));
    if (!component) throw new Error(`unknown server "${server}"`);
    await waitGone(server);
    await component.start();
    await component.waitReady(timeoutMs);
  },
};

async function waitGone(server: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (runningPid(server) !== undefined) {
    if (Date.now() > deadline) throw new Error(`${server} did not exit`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
