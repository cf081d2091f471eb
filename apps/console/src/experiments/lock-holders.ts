import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { extname, join } from 'node:path';
import type { HolderLine } from './fenced-holder';

/** What a lock holder says it holds, as it starts. */
export interface HolderGrant {
  readonly pid: number;
  /** Its ZooKeeper session, hex as `ZkStat.ephemeralOwner` (`100019e2a6e002d`). */
  readonly session: string;
  readonly token: bigint;
  /** The register as it read it under the lock. */
  readonly read: { readonly value: number; readonly fence: bigint };
}

/** What the holder's late write got from the register. */
export interface HolderWrite {
  readonly accepted: boolean;
  readonly reason?: string;
  readonly value: number;
  readonly fence: bigint;
}

/** A lock holder in a process of its own, which can be frozen and thawed. */
export interface LockHolder extends HolderGrant {
  pause(): void;
  resume(): void;
  /** Tells it to write what it read plus one with its token; resolves with the register's answer. */
  write(timeoutMs: number): Promise<HolderWrite>;
  /** Thaws and kills it, whatever state it is in (safe to call twice). */
  stop(): void;
}

export interface LockHolderSettings {
  lock: string;
  register: string;
  sessionTimeoutMs: number;
}

/** Starts lock holders (behind an interface so the experiment's logic is unit-tested without processes). */
export interface LockHolders {
  start(settings: LockHolderSettings, timeoutMs: number): Promise<LockHolder>;
}

/**
 * Starts each holder as a child process (`fenced-holder`) with the operator's
 * ZooKeeper identity. Guarantee: `start` resolves only once the child holds the
 * lock and has read the register; a child that exits or stays silent past the
 * timeout is killed and the promise rejects with what it printed.
 */
export class ChildLockHolders implements LockHolders {
  constructor(private readonly zk: { connectString: string; auth: string }) {}

  start(settings: LockHolderSettings, timeoutMs: number): Promise<LockHolder> {
    const script = join(__dirname, `fenced-holder${extname(__filename)}`);
    // From the build it is plain JS; from sources (tsx) the child needs tsx too. Node itself, never a wrapper: SIGSTOP must reach the holder.
    const args = extname(__filename) === '.ts' ? ['--import', 'tsx', script] : [script];
    const child = spawn(process.execPath, args, {
      // Only what it needs: none of the console's other secrets. The ZooKeeper credentials go over stdin, not the environment.
      env: {
        PATH: process.env['PATH'] ?? '',
        HOLDER_ZK_CONNECT: this.zk.connectString,
        HOLDER_SESSION_TIMEOUT_MS: String(settings.sessionTimeoutMs),
        HOLDER_LOCK: settings.lock,
        HOLDER_REGISTER: settings.register,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const holder = new ChildHolder(child);
    holder.send(this.zk.auth);
    return holder.started(timeoutMs);
  }
}

class ChildHolder {
  private lines: HolderLine[] = [];
  private printed = '';
  /** Pending `next` calls: each returns true once it settled. */
  private waiters: (() => boolean)[] = [];
  private exited = false;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as HolderLine);
        } catch {
          this.printed += `${line}\n`;
        }
        this.wake();
      }
    });
    child.stderr.on('data', (d: Buffer) => (this.printed = (this.printed + d.toString()).slice(-4000)));
    // 'close', not 'exit': it comes once stdout and stderr are read to their end, so a last line is never missed.
    child.once('close', () => ((this.exited = true), this.wake()));
    // A failed spawn, or a write to the stdin of a holder that died: the holder is gone, the console stays up.
    const gone = (e: Error): void => {
      this.printed += `${e.message}\n`;
      this.exited = true;
      this.wake();
    };
    child.on('error', gone);
    child.stdin.on('error', gone);
  }

  /** One line to the holder's stdin (nothing once it is gone). */
  send(line: string): void {
    if (!this.exited && this.child.stdin.writable) this.child.stdin.write(`${line}\n`);
  }

  private wake(): void {
    this.waiters = this.waiters.filter((settled) => !settled());
  }

  private next<E extends HolderLine['event']>(event: E, timeoutMs: number): Promise<Extract<HolderLine, { event: E }>> {
    return new Promise((resolve, reject) => {
      const settled = (timedOut = false): boolean => {
        const line = this.lines.find((l): l is Extract<HolderLine, { event: E }> => l.event === event);
        const why = line ? undefined : this.exited ? 'exited' : timedOut ? `said nothing within ${timeoutMs} ms` : undefined;
        if (!line && !why) return false;
        clearTimeout(timer);
        if (line) resolve(line);
        else reject(new Error(`the lock holder ${why} before "${event}": ${this.printed.trim() || '(no output)'}`));
        return true;
      };
      const timer = setTimeout(() => {
        settled(true);
        this.waiters = this.waiters.filter((w) => w !== settled);
      }, timeoutMs);
      if (!settled()) this.waiters.push(settled);
    });
  }

  async started(timeoutMs: number): Promise<LockHolder> {
    let line: Extract<HolderLine, { event: 'holding' }>;
    try {
      line = await this.next('holding', timeoutMs);
    } catch (e) {
      this.stop();
      throw e;
    }
    return {
      pid: line.pid,
      session: line.session,
      token: BigInt(line.token),
      read: { value: line.read.value, fence: BigInt(line.read.fence) },
      pause: () => this.child.kill('SIGSTOP'),
      resume: () => this.child.kill('SIGCONT'),
      write: async (ms) => {
        this.send('write');
        const w = await this.next('wrote', ms);
        return { accepted: w.accepted, ...(w.reason === undefined ? {} : { reason: w.reason }), value: w.value, fence: BigInt(w.fence) };
      },
      stop: () => this.stop(),
    };
  }

  private stop(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
  }
}
