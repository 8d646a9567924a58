package dev.quota.internal;

import dev.quota.QuotaObserver;
import dev.quota.alert.NotificationChannel;
import dev.quota.spi.NotificationStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The validated configuration of one notification dispatcher; see {@code NotificationDispatcher.Builder} for each
 * setting's meaning and default.
 *
 * @param store whose outbox is delivered
 * @param channels where to, with distinct names
 * @param pollInterval the wait when nothing was due
 * @param batchSize the most deliveries one claim takes
 * @param backoffBase the wait after a first failure
 * @param backoffMax the longest wait
 * @param jitter the random share of each wait, 0 to 1
 * @param giveUpAfter how long after queueing a delivery is tried
 * @param lease how long a claim holds
 * @param retention how long a notification is kept once all its deliveries arrived
 * @param clock the source of time
 * @param instanceId the claimer's id
 * @param shutdownTimeout how long close waits
 * @param observer who hears about attempts
 */
public record DispatchSettings(NotificationStore store, List<NotificationChannel> channels, Duration pollInterval,
    int batchSize, Duration backoffBase, Duration backoffMax, double jitter, Duration giveUpAfter, Duration lease,
    Duration retention, Clock clock, String instanceId, Duration shutdownTimeout, QuotaObserver observer) {}
