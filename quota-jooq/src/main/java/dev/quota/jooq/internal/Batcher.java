package dev.quota.jooq.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Combines the concurrent requests of one JVM that share a key into batches, a set number of batches per key at a
 * time (one, unless told otherwise): group commit. A caller enqueues its request; if fewer batches of its key run than
 * allowed, it leads: it takes the queued requests (up to the maximum batch size), runs them as one batch, hands each
 * caller its own result, and passes the lead to the oldest request still queued. Requests that arrive while the
 * allowed batches run wait for the next one, so batches grow with the load by themselves and a lone caller never
 * waits for company.
 *
 * <p>One batch at a time decides requests strictly in arrival order (what combined consumption of one counter needs).
 * Two at a time overlap one batch's durable commit with the next batch's statement, which is what unrelated appends
 * want: with one, the database idles while the batch's commit is flushed and the callers wait for it.
 *
 * <p>Every caller returns only after its own request's batch finished, with that request's result, or with the
 * failure that ended the batch: nobody is left waiting, whatever the batch throws.
 *
 * @param <K> what requests must share to run in one batch
 * @param <Q> a request
 * @param <R> a request's result
 */
public final class Batcher<K, Q, R> {
  /**
   * Runs one batch.
   *
   * @param <K> the key
   * @param <Q> a request
   * @param <R> a result
   */
  @FunctionalInterface
  public interface Work<K, Q, R> {
    /**
     * Runs requests of one key as one batch.
     *
     * @param key the key they share
     * @param requests the requests, in arrival order
     * @return one result per request, in order: a value of {@code R}, or a {@link RuntimeException} that the
     *     request's caller is to throw
     */
    List<Object> run(K key, List<Q> requests);
  }

  private static final int WAITING = 0;
  private static final int LEAD = 1;
  private static final int DONE = 2;

  private static final class Pending<Q> {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Pending.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final Q request;
    final Thread waiter = Thread.currentThread();
    volatile int state;
    Object result; // written before state turns DONE, read after

    Pending(Q request) {
      this.request = request;
    }

    void complete(Object value) {
      result = value;
      state = DONE;
      LockSupport.unpark(waiter);
    }

    void offerLead() {
      if (STATE.compareAndSet(this, WAITING, LEAD)) {
        LockSupport.unpark(waiter);
      }
    }

    boolean takeLead() {
      return STATE.compareAndSet(this, LEAD, WAITING);
    }
  }

  private static final class Lane<Q> {
    final ConcurrentLinkedQueue<Pending<Q>> queue = new ConcurrentLinkedQueue<>();
    final AtomicInteger running = new AtomicInteger();
  }

  private final ConcurrentHashMap<K, Lane<Q>> lanes = new ConcurrentHashMap<>();
  private final int maxBatchSize;
  private final int maxConcurrentBatches;
  private final Work<K, Q, R> work;

  /**
   * Creates a batcher that runs one batch per key at a time.
   *
   * @param maxBatchSize the most requests in one batch, at least 1
   * @param work runs a batch
   */
  public Batcher(int maxBatchSize, Work<K, Q, R> work) {
    this(maxBatchSize, 1, work);
  }

  /**
   * Creates a batcher.
   *
   * @param maxBatchSize the most requests in one batch, at least 1
   * @param maxConcurrentBatches the most batches of one key running at once, at least 1
   * @param work runs a batch
   */
  public Batcher(int maxBatchSize, int maxConcurrentBatches, Work<K, Q, R> work) {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be at least 1, was " + maxBatchSize);
    }
    if (maxConcurrentBatches < 1) {
      throw new IllegalArgumentException("maxConcurrentBatches must be at least 1, was " + maxConcurrentBatches);
    }
    this.maxBatchSize = maxBatchSize;
    this.maxConcurrentBatches = maxConcurrentBatches;
    this.work = work;
  }

  /**
   * Runs a request in a batch of its key and waits for its result. Interruption does not end the wait (the
   * request may already be written); the thread's interrupt status is restored on return.
   *
   * @param key the key
   * @param request the request
   * @return its result
   * @throws RuntimeException the request's own failure, or the failure of its whole batch
   */
  @SuppressWarnings("unchecked")
  public R submit(K key, Q request) {
    Lane<Q> lane = lanes.computeIfAbsent(key, k -> new Lane<>());
    Pending<Q> pending = new Pending<>(request);
    lane.queue.add(pending);
    lead(key, lane);
    boolean interrupted = false;
    while (pending.state != DONE) {
      if (pending.takeLead()) {
        lead(key, lane);
        continue;
      }
      LockSupport.park(this);
      if (Thread.interrupted()) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Object result = pending.result;
    if (result instanceof RuntimeException failure) {
      throw failure;
    }
    if (result instanceof Error error) {
      throw error;
    }
    return (R) result;
  }

  private void lead(K key, Lane<Q> lane) {
    int running;
    do {
      running = lane.running.get();
      if (running >= maxConcurrentBatches) {
        return; // as many batches of this key run as allowed; their leaders pass the lead on when they end
      }
    } while (!lane.running.compareAndSet(running, running + 1));
    List<Pending<Q>> batch = new ArrayList<>();
    try {
      Pending<Q> next;
      while (batch.size() < maxBatchSize && (next = lane.queue.poll()) != null) {
        batch.add(next);
      }
      if (!batch.isEmpty()) {
        run(key, batch);
      }
    } finally {
      lane.running.decrementAndGet();
      // Requests that came while the batch ran found it running and wait: the oldest of them leads next. One that
      // enqueues after this look finds the lane free and leads by itself.
      Pending<Q> head = lane.queue.peek();
      if (head != null) {
        head.offerLead();
      } else if (lane.running.get() == 0) {
        lanes.remove(key, lane); // a caller still holding the lane leads it by itself; nothing is lost
      }
    }
  }

  private void run(K key, List<Pending<Q>> batch) {
    List<Q> requests = new ArrayList<>(batch.size());
    for (Pending<Q> p : batch) {
      requests.add(p.request);
    }
    List<Object> results;
    try {
      results = work.run(key, requests);
      if (results.size() != batch.size()) {
        throw new IllegalStateException("a batch of " + batch.size() + " requests returned " + results.size()
            + " results");
      }
    } catch (RuntimeException | Error failure) {
      for (Pending<Q> p : batch) {
        p.complete(failure);
      }
      if (failure instanceof Error error) {
        throw error;
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).complete(results.get(i));
    }
  }

  /** @return how many keys have a lane right now (for tests) */
  int lanes() {
    return lanes.size();
  }

  /** @return how many requests wait in all lanes right now (for tests) */
  int queued() {
    int queued = 0;
    for (Lane<Q> lane : lanes.values()) {
      queued += lane.queue.size();
    }
    return queued;
  }
}
