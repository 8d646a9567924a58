package dev.quota.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The group-commit lanes on their own: who runs what together, and what every caller gets back. */
class BatcherTest {
  private final ExecutorService threads = Executors.newFixedThreadPool(16);

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    threads.awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void everyCallerGetsTheResultOfItsOwnRequest() throws Exception {
    Batcher<String, Integer, Integer> batcher = new Batcher<>(8, (key, requests) -> {
      List<Object> results = new ArrayList<>();
      requests.forEach(r -> results.add(r * 10));
      return results;
    });
    List<Future<List<int[]>>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      callers.add(threads.submit(() -> {
        List<int[]> seen = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          int request = thread * 1_000 + i;
          seen.add(new int[] {request, batcher.submit("k" + (i % 3), request)});
        }
        return seen;
      }));
    }
    for (Future<List<int[]>> caller : callers) {
      for (int[] pair : caller.get(30, TimeUnit.SECONDS)) {
        assertThat(pair[1]).isEqualTo(pair[0] * 10);
      }
    }
  }

  @Test
  void requestsArrivingWhileABatchRunsGoTogetherIntoTheNextOne() throws Exception {
    CountDownLatch firstRunning = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    Batcher<String, Integer, Integer> batcher = new Batcher<>(100, (key, requests) -> {
      sizes.add(requests.size());
      if (sizes.size() == 1) {
        firstRunning.countDown();
        await(release);
      }
      return new ArrayList<>(requests);
    });
    Future<Integer> first = threads.submit(() -> batcher.submit("k", 0));
    firstRunning.await(10, TimeUnit.SECONDS);
    List<Future<Integer>> waiting = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      int request = i;
      waiting.add(threads.submit(() -> batcher.submit("k", request)));
    }
    while (queued(batcher) < 5) {
      Thread.onSpinWait();
    }
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isZero();
    for (int i = 0; i < 5; i++) {
      assertThat(waiting.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
    }
    assertThat(sizes).containsExactly(1, 5);
  }

  @Test
  void withTwoBatchesAllowedASecondRunsBesideTheFirstAndLaterRequestsWaitForOneToEnd() throws Exception {
    CountDownLatch twoRunning = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    Batcher<String, Integer, Integer> batcher = new Batcher<>(100, 2, (key, requests) -> {
      sizes.add(requests.size());
      if (sizes.size() <= 2) {
        twoRunning.countDown();
        await(release);
      }
      return new ArrayList<>(requests);
    });
    Future<Integer> first = threads.submit(() -> batcher.submit("k", 0));
    Future<Integer> second = threads.submit(() -> batcher.submit("k", 1));
    assertThat(twoRunning.await(10, TimeUnit.SECONDS)).as("two batches of one key at once").isTrue();
    List<Future<Integer>> waiting = new ArrayList<>();
    for (int i = 2; i <= 4; i++) {
      int request = i;
      waiting.add(threads.submit(() -> batcher.submit("k", request)));
    }
    while (queued(batcher) < 3) {
      Thread.onSpinWait();
    }
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(second.get(10, TimeUnit.SECONDS)).isOne();
    for (int i = 0; i < 3; i++) {
      assertThat(waiting.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 2);
    }
    assertThat(sizes.subList(0, 2)).containsExactly(1, 1);
    assertThat(sizes.subList(2, sizes.size()).stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
  }

  @Test
  void withTwoBatchesAllowedEveryCallerStillGetsTheResultOfItsOwnRequest() throws Exception {
    Batcher<String, Integer, Integer> batcher = new Batcher<>(8, 2, (key, requests) -> {
      List<Object> results = new ArrayList<>();
      requests.forEach(r -> results.add(r * 10));
      return results;
    });
    List<Future<List<int[]>>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      callers.add(threads.submit(() -> {
        List<int[]> seen = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          int request = thread * 1_000 + i;
          seen.add(new int[] {request, batcher.submit("all", request)});
        }
        return seen;
      }));
    }
    for (Future<List<int[]>> caller : callers) {
      for (int[] pair : caller.get(30, TimeUnit.SECONDS)) {
        assertThat(pair[1]).isEqualTo(pair[0] * 10);
      }
    }
    assertThat(batcher.lanes()).isZero();
  }

  @Test
  void aBatchNeverTakesMoreThanTheMaximumSize() throws Exception {
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    Batcher<String, Integer, Integer> batcher = new Batcher<>(3, (key, requests) -> {
      sizes.add(requests.size());
      sleepBriefly();
      return new ArrayList<>(requests);
    });
    List<Future<Integer>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int request = t;
      callers.add(threads.submit(() -> batcher.submit("k", request)));
    }
    for (int t = 0; t < 16; t++) {
      assertThat(callers.get(t).get(10, TimeUnit.SECONDS)).isEqualTo(t);
    }
    assertThat(sizes).allSatisfy(size -> assertThat(size).isBetween(1, 3));
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(16);
  }

  @Test
  void aFailedBatchFailsEveryCallerInItAndLeavesNobodyWaiting() throws Exception {
    Batcher<String, Integer, Integer> batcher = new Batcher<>(8, (key, requests) -> {
      throw new IllegalStateException("connection lost");
    });
    List<Future<?>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int request = t;
      callers.add(threads.submit(() -> {
        assertThatThrownBy(() -> batcher.submit("k", request)).isInstanceOf(IllegalStateException.class)
            .hasMessage("connection lost");
        return null;
      }));
    }
    for (Future<?> caller : callers) {
      caller.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRequestsOwnFailureGoesToItsCallerOnly() throws Exception {
    Batcher<String, Integer, Integer> batcher = new Batcher<>(8, (key, requests) -> {
      List<Object> results = new ArrayList<>();
      requests.forEach(r -> results.add(r == 7 ? new IllegalArgumentException("bad request 7") : (Object) r));
      return results;
    });
    List<Future<Object>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int request = t;
      callers.add(threads.submit(() -> {
        try {
          return batcher.submit("k", request);
        } catch (IllegalArgumentException e) {
          return e;
        }
      }));
    }
    for (int t = 0; t < 16; t++) {
      Object result = callers.get(t).get(10, TimeUnit.SECONDS);
      if (t == 7) {
        assertThat(result).isInstanceOf(IllegalArgumentException.class);
      } else {
        assertThat(result).isEqualTo(t);
      }
    }
  }

  @Test
  void anIdleKeyLeavesNoLaneBehind() {
    Batcher<String, Integer, Integer> batcher = new Batcher<>(8, (key, requests) -> new ArrayList<>(requests));
    for (int i = 0; i < 100; i++) {
      assertThat(batcher.submit("tenant-" + i, i)).isEqualTo(i);
    }
    assertThat(batcher.lanes()).isZero();
  }

  private static int queued(Batcher<?, ?, ?> batcher) {
    return batcher.queued();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(2); // holds the lane so that the other callers pile up behind it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
