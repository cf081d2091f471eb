import { readFileSync } from 'node:fs';
import { logFileOf } from './proc';

/** One vote a ZooKeeper server received during fast leader election, as its log shows it. */
export interface ElectionNotification {
  /** The server whose log this is. */
  receiver: number;
  at: Date;
  /** Who sent the vote, and whom it proposes. */
  fromSid: number;
  proposedLeader: number;
  proposedZxid: bigint;
  proposedEpoch: bigint;
  round: bigint;
  senderState: string;
}

const LINE =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) .*FastLeaderElection - Notification: my state:\w+; n\.sid:(\d+), n\.state:(\w+), n\.leader:(\d+), n\.round:(0x[0-9a-f]+), n\.peerEpoch:(0x[0-9a-f]+), n\.zxid:(0x[0-9a-f]+)/;

/** Votes received by server `myid` since `since` (parsed from .stack/logs/zk-<myid>.log). */
export function electionNotifications(myid: number, since: Date): ElectionNotification[] {
  let text: string;
  try {
    text = readFileSync(logFileOf(`zk-${myid}`), 'utf8');
  } catch {
    return [];
  }
  const out: ElectionNotification[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    // The log's timestamps are local time without a zone, like the machine's clock.
    const at = new Date(`${m[1]?.replace(' ', 'T')}.${m[2]}`);
    if (at < since) continue;
    out.push({
      receiver: myid,
      at,
      fromSid: Number(m[3]),
      senderState: m[4] ?? '',
      proposedLeader: Number(m[5]),
      round: BigInt(m[6] ?? '0'),
      proposedEpoch: BigInt(m[7] ?? '0'),
      proposedZxid: BigInt(m[8] ?? '0'),
    });
  }
  return out;
}

/** ZooKeeper's vote order (FastLeaderElection.totalOrderPredicate): epoch, then zxid, then myid. */
export function compareVotes(a: { epoch: bigint; zxid: bigint; sid: number }, b: { epoch: bigint; zxid: bigint; sid: number }): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid ? 1 : -1;
  return a.sid - b.sid;
}
