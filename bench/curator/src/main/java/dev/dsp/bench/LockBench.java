package dev.dsp.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * Acquire+release of Curator's InterProcessMutex: `contenders` clients (one
 * session each, as separate processes would have), `ops` acquire+release in
 * total, split evenly. Prints one JSON line: ops/s and latency percentiles of
 * one acquire+release, in milliseconds.
 *
 * Usage: LockBench <connectString> <lockPath> <contenders> <ops>
 */
public final class LockBench {
  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    int contenders = Integer.parseInt(args[2]);
    int ops = Integer.parseInt(args[3]);
    int each = ops / contenders;
    List<CuratorFramework> clients = new ArrayList<>();
    for (int i = 0; i < contenders; i++) {
      CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
          .connectString(connect)
          .sessionTimeoutMs(6000)
          .connectionTimeoutMs(3000)
          .retryPolicy(new ExponentialBackoffRetry(100, 5));
      // The local stack lets no anonymous session write: authenticate as the identity in ZK_DIGEST (user:password).
      String digest = System.getenv("ZK_DIGEST");
      if (digest != null) builder.authorization("digest", digest.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      CuratorFramework c = builder.build();
      c.start();
      if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) throw new IllegalStateException("not connected");
      clients.add(c);
    }
    // Warm-up: the JIT and each session's first round trips.
    for (CuratorFramework c : clients) {
      InterProcessMutex m = new InterProcessMutex(c, path);
      for (int i = 0; i < 20; i++) { m.acquire(); m.release(); }
    }
    long[] latenciesNs = new long[each * contenders];
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < contenders; t++) {
      final int idx = t;
      final InterProcessMutex m = new InterProcessMutex(clients.get(t), path);
      Thread th = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < each; i++) {
            long t0 = System.nanoTime();
            m.acquire();
            m.release();
            latenciesNs[idx * each + i] = System.nanoTime() - t0;
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      th.start();
      threads.add(th);
    }
    long begin = System.nanoTime();
    start.countDown();
    for (Thread th : threads) th.join();
    long elapsed = System.nanoTime() - begin;
    Arrays.sort(latenciesNs);
    double opsPerSec = latenciesNs.length / (elapsed / 1e9);
    System.out.printf(
        "{\"opsPerSec\":%.1f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"ops\":%d,\"contenders\":%d}%n",
        opsPerSec, pct(latenciesNs, 0.50), pct(latenciesNs, 0.99), latenciesNs.length, contenders);
    for (CuratorFramework c : clients) c.close();
  }

  private static double pct(long[] sorted, double p) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }
}
