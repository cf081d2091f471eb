import type { ElectionNotification } from '@dsp/ops';

/**
 * What an experiment may do to the local stack: the stack manager's own fault
 * injection (`stackControl` of `@dsp/ops`), the election votes the servers
 * logged, and the processes of service instances listening on loopback. Behind an interface so the experiments' logic is unit-tested with a
 * fake, and run for real only against the stack on this machine.
 */
export interface StackHands {
  /** Whether this machine runs the stack (its pid files): experiments need it. */
  stackHere(): boolean;
  /** SIGKILL one server (`zk-2`); throws if it is unknown or not running. */
  kill(server: string): void;
  /** Whether a server has a live process. */
  running(server: string): boolean;
  /** Starts a stopped server and resolves once it serves. */
  restart(server: string): Promise<void>;
  /** The votes server `myid` received since `since`, from its log. */
  votes(myid: number, since: Date): ElectionNotification[];
  /** The pid of the process listening on a loopback `address:port` (a service instance); throws for any other address. */
  listener(address: string, port: number): number | undefined;
  /** Pauses (SIGSTOP) or resumes (SIGCONT) a process found by {@link listener}. */
  pause(pid: number): void;
  resume(pid: number): void;
}
