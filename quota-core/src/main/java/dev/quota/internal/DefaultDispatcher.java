package dev.quota.internal;

import dev.quota.QuotaObserver.DeliveryOutcome;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.spi.StoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher: claims due deliveries from the store with a lease, hands each to its channel, and records the
 * outcome; a failure is retried after an exponential backoff with jitter until the give-up time, then left failed.
 */
public final class DefaultDispatcher implements NotificationDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultDispatcher.class);
  /** The longest error text kept with a delivery. */
  static final int MAX_ERROR_LENGTH = 2_000;
  /** After this many doublings the backoff stays at its maximum (and the shift cannot overflow). */
  private static final int MAX_DOUBLINGS = 30;
  /** How often the outbox is purged of old delivered notifications, when the last purge found none left. */
  static final Duration PURGE_EVERY = Duration.ofHours(1);
  /** The most notifications one purge deletes, so that it never holds up deliveries for long. */
  static final int PURGE_BATCH = 1_000;

  private final DispatchSettings settings;
  private final Map<String, NotificationChannel> channels = new LinkedHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private @Nullable Thread thread;
  private boolean closed;
  /** When the outbox is next purged; only the thread running {@link #runOnce} reads and writes it. */
  private @Nullable Instant nextPurge;

  /** @param settings the validated configuration */
  public DefaultDispatcher(DispatchSettings settings) {
    this.settings = settings;
    settings.channels().forEach(channel -> channels.put(channel.name(), channel));
  }

  @Override
  public void start() {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the notification dispatcher " + settings.instanceId() + " was closed");
      }
      if (thread != null) {
        return;
      }
      Thread started = new Thread(this::loop, "quota-notifications-" + settings.instanceId());
      started.setDaemon(true);
      thread = started;
      started.start();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int runOnce() {
    Instant claimedAt = settings.clock().instant();
    List<Delivery> claimed = settings.store().claimDeliveries(channels.keySet(), settings.instanceId(), claimedAt,
        settings.lease(), settings.batchSize());
    Instant leaseEnd = claimedAt.plus(settings.lease());
    int tried = 0;
    for (Delivery delivery : claimed) {
      if (Thread.currentThread().isInterrupted()) {
        break; // shutting down: the rest are claimed again when their leases expire
      }
      if (!settings.clock().instant().isBefore(leaseEnd)) {
        // the batch took longer than the lease: another instance may hold these now
        LOG.warn("the lease on {} deliveries ran out before they were tried; another instance takes them",
            claimed.size() - tried);
        break;
      }
      attempt(delivery);
      tried++;
    }
    purgeIfDue();
    return tried;
  }

  /**
   * Deletes delivered notifications older than the retention, a batch at a time: at the next run again while a purge
   * deleted a whole batch, else an hour later. A failed purge is tried again at the next run; deliveries never wait on it.
   */
  private void purgeIfDue() {
    Instant now = settings.clock().instant();
    if (nextPurge != null && now.isBefore(nextPurge)) {
      return;
    }
    try {
      int deleted = settings.store().purgeDelivered(now.minus(settings.retention()), PURGE_BATCH);
      if (deleted > 0) {
        LOG.debug("deleted {} deliveries of notifications delivered more than {} ago", deleted,
            Checks.readable(settings.retention()));
      }
      nextPurge = deleted >= PURGE_BATCH ? now : now.plus(PURGE_EVERY);
    } catch (StoreUnavailableException e) {
      LOG.warn("could not delete old delivered notifications; trying again at the next run: {}", e.toString());
    }
  }

  private void attempt(Delivery delivery) {
    Notification notification = delivery.notification();
    NotificationChannel channel = channels.get(delivery.channel());
    String error;
    boolean retryable;
    try {
      if (channel == null) {
        throw new IllegalStateException("the store handed out a delivery to channel '" + delivery.channel()
            + "', which this dispatcher does not have");
      }
      channel.deliver(notification);
      if (settings.store().recordDelivered(notification.id(), delivery.channel(), settings.instanceId(),
          settings.clock().instant())) {
        settings.observer().onDeliveryAttempt(delivery.channel(), notification.kind(), DeliveryOutcome.DELIVERED);
      } else {
        LOG.warn("notification {} was delivered to {} after this instance's lease ran out; it may arrive twice",
            notification.id(), delivery.channel());
      }
      return;
    } catch (DeliveryException e) {
      error = String.valueOf(e.getMessage());
      retryable = e.retryable();
    } catch (StoreUnavailableException e) {
      // delivered, but not recorded: the lease expires and it is delivered again (at least once)
      LOG.warn("could not record the delivery of notification {} to {}; it will be delivered again: {}",
          notification.id(), delivery.channel(), e.toString());
      return;
    } catch (RuntimeException e) {
      error = e.toString();
      retryable = true;
    }
    recordFailure(delivery, error, retryable);
  }

  private void recordFailure(Delivery delivery, String error, boolean retryable) {
    Notification notification = delivery.notification();
    Instant now = settings.clock().instant();
    Instant deadline = delivery.queuedAt().plus(settings.giveUpAfter());
    Instant retryAt = null;
    if (retryable && now.isBefore(deadline)) {
      Instant next = now.plus(backoff(delivery.attempts() + 1));
      retryAt = next.isAfter(deadline) ? deadline : next;
    }
    String text = error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error;
    try {
      if (!settings.store().recordFailure(notification.id(), delivery.channel(), settings.instanceId(), now, text,
          retryAt)) {
        return;
      }
    } catch (StoreUnavailableException e) {
      LOG.warn("could not record the failed delivery of notification {} to {}; it is tried again when the lease "
          + "expires: {}", notification.id(), delivery.channel(), e.toString());
      return;
    }
    if (retryAt != null) {
      LOG.warn("delivery of {} notification {} for tenant '{}' to {} failed (attempt {}), next at {}: {}",
          notification.kind(), notification.id(), notification.tenant(), delivery.channel(), delivery.attempts() + 1,
          retryAt, text);
      settings.observer().onDeliveryAttempt(delivery.channel(), notification.kind(), DeliveryOutcome.RETRYING);
    } else {
      LOG.error("gave up delivering {} notification {} for tenant '{}' to {} after {} attempts; see quota "
          + "notifications --failed: {}", notification.kind(), notification.id(), notification.tenant(),
          delivery.channel(), delivery.attempts() + 1, text);
      settings.observer().onDeliveryAttempt(delivery.channel(), notification.kind(), DeliveryOutcome.GAVE_UP);
    }
  }

  /**
   * The wait before attempt {@code failures + 1}: the base doubled for each failure but the first, at most the max,
   * less a random share of at most the jitter.
   */
  Duration backoff(int failures) {
    int doublings = Math.min(Math.max(failures - 1, 0), MAX_DOUBLINGS);
    long base = settings.backoffBase().toMillis();
    long max = settings.backoffMax().toMillis();
    long wait = base > (max >> doublings) ? max : Math.min(max, base << doublings);
    long random = (long) (wait * settings.jitter() * ThreadLocalRandom.current().nextDouble());
    return Duration.ofMillis(wait - random);
  }

  private void loop() {
    while (!isClosed()) {
      int tried;
      try {
        tried = runOnce();
      } catch (StoreUnavailableException e) {
        LOG.warn("could not claim notifications to deliver; trying again in {}: {}",
            Checks.readable(settings.pollInterval()), e.toString());
        tried = 0;
      } catch (RuntimeException e) {
        LOG.error("the notification dispatcher failed; trying again in {}", Checks.readable(settings.pollInterval()),
            e);
        tried = 0;
      }
      if (tried == 0 && !pause()) {
        return;
      }
    }
  }

  /** Waits the poll interval or until closed; false if interrupted or closed. */
  private boolean pause() {
    lock.lock();
    try {
      long nanos = settings.pollInterval().toNanos();
      while (!closed && nanos > 0) {
        nanos = wake.awaitNanos(nanos);
      }
      return !closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed || Thread.currentThread().isInterrupted();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    Thread running;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      wake.signalAll();
      running = thread;
    } finally {
      lock.unlock();
    }
    if (running == null || running == Thread.currentThread()) {
      return;
    }
    try {
      running.join(settings.shutdownTimeout().toMillis() + 1);
      if (running.isAlive()) {
        LOG.warn("the notification dispatcher did not stop within {}; interrupting its delivery",
            Checks.readable(settings.shutdownTimeout()));
        running.interrupt();
        running.join(TimeUnit.SECONDS.toMillis(1));
      }
    } catch (InterruptedException e) {
      running.interrupt();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "NotificationDispatcher[" + settings.instanceId() + ", channels " + channels.keySet() + "]";
  }
}
