export interface ZkServerAddress {
  host: string;
  port: number;
}

export interface ParsedConnectString {
  servers: ZkServerAddress[];
  /** The chroot suffix (`/app`), or '' for none. */
  chroot: string;
}

/**
 * Parses `host:port[,host:port...][/chroot]` (IPv6 hosts in brackets:
 * `[::1]:2181`). Throws naming the part it cannot read.
 */
export function parseConnectString(connectString: string): ParsedConnectString {
  const slash = connectString.indexOf('/');
  const hostsPart = slash >= 0 ? connectString.slice(0, slash) : connectString;
  let chroot = slash >= 0 ? connectString.slice(slash) : '';
  if (chroot === '/') chroot = '';
  if (chroot.endsWith('/')) throw new Error(`ZooKeeper connect string: chroot "${chroot}" must not end with "/"`);
  const servers = hostsPart.split(',').map((part) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(part.trim());
    const port = Number(m?.[3]);
    if (!m || port < 1 || port > 65535) throw new Error(`ZooKeeper connect string: "${part}" is not host:port (in "${connectString}")`);
    return { host: (m[1] ?? m[2]) as string, port };
  });
  return { servers, chroot };
}
