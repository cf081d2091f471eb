import { allDaemons, COMPONENTS, killDaemon, runningPid } from '@dsp/infra-stack';

/**
 * Fault injection on the real local stack, one named server at a time (`zk-1`,
 * `kafka-2`, `mysql-c0-replica`, `redis`): for fault tests, and for anything that
 * runs experiments against the demo (a console).
 *
 * Guarantees: every call names the server it acts on and throws, naming it, when
 * the server is unknown or not running; `restart` resolves only once the server's
 * component answers its real readiness check again (not after a sleep); `freeze`
 * and `thaw` pause and resume the process (SIGSTOP / SIGCONT), so its sockets stay
 * open and its peers see a silent server rather than a closed one. It only acts
 * on processes the stack manager started and recorded in its pid files.
 */
export const stackControl = {
  /** Every server the stack runs, in start order. */
  servers(): string[] {
    return allDaemons();
  },

  pid(server: string): number | undefined {
    known(server);
    return runningPid(server);
  },

  /** kill -9 (or another signal) one server; returns its pid. */
  kill(server: string, signal: NodeJS.Signals = 'SIGKILL'): number {
    known(server);
    const pid = killDaemon(server, signal);
    if (pid === undefined) throw new Error(`${server} is not running`);
    return pid;
  },

  /** Pauses the server (SIGSTOP): it holds its connections but answers nothing. */
  freeze(server: string): number {
    return stackControl.kill(server, 'SIGSTOP');
  },

  /** Resumes a frozen server (SIGCONT). */
  thaw(server: string): number {
    return stackControl.kill(server, 'SIGCONT');
  },

  /** Starts every stopped server of the component that owns `server`, and waits until it serves. */
  async restart(server: string, timeoutMs = 120_000): Promise<void> {
    const component = COMPONENTS.find((c) => c.daemons.includes(server));
    if (!component) throw new Error(`unknown server "${server}"; servers: ${allDaemons().join(', ')}`);
    await waitGone(server);
    await component.start();
    await component.waitReady(timeoutMs);
  },
};

function known(server: string): void {
  if (!allDaemons().includes(server)) throw new Error(`unknown server "${server}"; servers: ${allDaemons().join(', ')}`);
}

async function waitGone(server: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (runningPid(server) !== undefined) {
    if (Date.now() > deadline) throw new Error(`${server} did not exit`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
