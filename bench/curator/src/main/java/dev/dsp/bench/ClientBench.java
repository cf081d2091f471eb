package dev.dsp.bench;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Raw client round trips with ZooKeeper's own Java client (the reference for
 * this platform's TypeScript wire client): `ops` getData or setData calls on
 * one node through one session, at most `inflight` outstanding (async API).
 * Prints one JSON line: ops/s and latency percentiles in milliseconds.
 *
 * Usage: ClientBench <connectString> <path> <get|set> <ops> <inflight>
 */
public final class ClientBench {
  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    boolean set = args[2].equals("set");
    int ops = Integer.parseInt(args[3]);
    int inflight = Integer.parseInt(args[4]);
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connect, 6000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
    });
    if (!connected.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("not connected");
    // The local stack lets no anonymous session write: authenticate as the identity in ZK_DIGEST (user:password).
    String digest = System.getenv("ZK_DIGEST");
    if (digest != null) zk.addAuthInfo("digest", digest.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] payload = new byte[100];
    try {
      zk.create(path, payload, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    } catch (KeeperException.NodeExistsException e) {
      // left by an earlier run
    }
    for (int i = 0; i < 200; i++) zk.getData(path, false, null); // warm-up: JIT and connection
    long[] latenciesNs = new long[ops];
    Semaphore window = new Semaphore(inflight);
    CountDownLatch done = new CountDownLatch(ops);
    AtomicInteger next = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    long begin = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      window.acquire();
      final long t0 = System.nanoTime();
      if (set) {
        zk.setData(path, payload, -1, (rc, p, ctx, stat) -> {
          if (rc != 0) failure.set("setData rc " + rc);
          latenciesNs[next.getAndIncrement()] = System.nanoTime() - t0;
          window.release();
          done.countDown();
        }, null);
      } else {
        zk.getData(path, false, (rc, p, ctx, data, stat) -> {
          if (rc != 0) failure.set("getData rc " + rc);
          latenciesNs[next.getAndIncrement()] = System.nanoTime() - t0;
          window.release();
          done.countDown();
        }, null);
      }
    }
    done.await();
    long elapsed = System.nanoTime() - begin;
    if (failure.get() != null) throw new IllegalStateException(failure.get());
    Arrays.sort(latenciesNs);
    System.out.printf(
        "{\"opsPerSec\":%.1f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"ops\":%d,\"inflight\":%d}%n",
        ops / (elapsed / 1e9), pct(latenciesNs, 0.50), pct(latenciesNs, 0.99), ops, inflight);
    zk.close();
  }

  private static double pct(long[] sorted, double p) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }
}
