import { connect } from 'node:net';
import { REDIS_IDENTITIES } from '@dsp/contracts';

/** Sends `payload` to 127.0.0.1:port and returns everything the server answers before closing. */
export function tcpExchange(port: number, payload: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`127.0.0.1:${port} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** A ZooKeeper four-letter word (`srvr`, `mntr`, `ruok`, ...). */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return tcpExchange(port, word);
}

/** Parses `srvr`/`mntr` style `key: value` or `key\tvalue` lines. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_ ]+?)(?::\s*|\t)(.*)$/.exec(line.trim());
    if (m && m[1] !== undefined && m[2] !== undefined) out[m[1].trim()] = m[2].trim();
  }
  return out;
}

/** PING over RESP; resolves true on +PONG. */
export function redisPing(port: number): Promise<boolean> {
  const op = REDIS_IDENTITIES.operator;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    // The default user is off (docs/adr/0010): authenticate as the operator, then PING.
    socket.on('connect', () => socket.write(`AUTH ${op.user} ${op.password}\r\nPING\r\n`));
    socket.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('+PONG')) done(true);
      else if (answer.startsWith('-') || answer.split('\r\n').length > 2) done(false);
    });
    socket.on('error', () => done(false));
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}
