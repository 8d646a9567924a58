package dev.quota.testkit.contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the same operation on many threads released together by a start gate, so that they really contend,
 * within a bounded time. Every wait is bounded by the one timeout, and the threads are daemons, interrupted when
 * the run ends: a store that hangs fails the run instead of keeping the JVM alive.
 */
final class Concurrently {
  private Concurrently() {}

  /** One operation of one thread. */
  @FunctionalInterface
  interface Operation<T> {
    T run(int thread, int op) throws Exception;
  }

  /**
   * Runs {@code operationsPerThread} operations on each of {@code threads} threads, all starting at once.
   *
   * @return every result, thread by thread, in each thread's order
   * @throws AssertionError if an operation failed or the whole did not finish within {@code timeout}
   */
  static <T> List<T> run(int threads, int operationsPerThread, Duration timeout, Operation<T> operation) {
    ExecutorService pool = Executors.newFixedThreadPool(threads, Concurrently::daemon);
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch start = new CountDownLatch(1);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      List<Future<List<T>>> futures = new ArrayList<>(threads);
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          ready.countDown();
          // Released together, so the first operations of every thread overlap.
          if (!start.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("not released within " + timeout);
          }
          List<T> results = new ArrayList<>(operationsPerThread);
          for (int op = 0; op < operationsPerThread; op++) {
            results.add(operation.run(thread, op));
          }
          return results;
        }));
      }
      if (!ready.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new AssertionError("the " + threads + " threads did not start within " + timeout);
      }
      start.countDown();
      List<T> all = new ArrayList<>(threads * operationsPerThread);
      for (Future<List<T>> future : futures) {
        all.addAll(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      }
      return all;
    } catch (ExecutionException e) {
      throw new AssertionError("a concurrent operation failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError(threads + " threads x " + operationsPerThread + " operations did not finish within "
          + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the concurrent operations", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Thread daemon(Runnable work) {
    Thread thread = new Thread(work, "quota-contract-concurrently");
    thread.setDaemon(true);
    return thread;
  }
}
