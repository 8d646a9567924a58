package dev.quota.internal;

import dev.quota.Decision;
import dev.quota.Meter;
import dev.quota.QuotaObserver;
import dev.quota.Window;
import dev.quota.alert.NotificationKind;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans out to the configured observers and keeps their exceptions away from the caller. */
public final class Observers implements QuotaObserver {
  private static final Logger LOG = LoggerFactory.getLogger(Observers.class);

  private final QuotaObserver[] observers;

  private Observers(List<QuotaObserver> observers) {
    this.observers = observers.toArray(QuotaObserver[]::new);
  }

  /**
   * Combines observers into one that never throws.
   *
   * @param observers the observers, possibly none
   * @return the combined observer
   */
  public static QuotaObserver of(List<QuotaObserver> observers) {
    return new Observers(observers);
  }

  @Override
  public void onDecision(Operation operation, Meter meter, boolean allowed, Decision.Reason reason, boolean shadowed) {
    for (QuotaObserver observer : observers) {
      try {
        observer.onDecision(operation, meter, allowed, reason, shadowed);
      } catch (RuntimeException e) {
        LOG.warn("observer {} failed on a decision; ignored", observer, e);
      }
    }
  }

  @Override
  public void onDenied(Operation operation, Meter meter, Decision.Reason reason, int levelsUp, Window window) {
    for (QuotaObserver observer : observers) {
      try {
        observer.onDenied(operation, meter, reason, levelsUp, window);
      } catch (RuntimeException e) {
        LOG.warn("observer {} failed on a denial; ignored", observer, e);
      }
    }
  }

  @Override
  public void onUsageRecorded(Meter meter, long amount, boolean duplicate) {
    for (QuotaObserver observer : observers) {
      try {
        observer.onUsageRecorded(meter, amount, duplicate);
      } catch (RuntimeException e) {
        LOG.warn("observer {} failed on a usage record; ignored", observer, e);
      }
    }
  }

  @Override
  public void onReservation(ReservationEvent event) {
    for (QuotaObserver observer : observers) {
      try {
        observer.onReservation(event);
      } catch (RuntimeException e) {
        LOG.warn("observer {} failed on a reservation event; ignored", observer, e);
      }
    }
  }

  @Override
  public void onDeliveryAttempt(String channel, NotificationKind kind, DeliveryOutcome outcome) {
    for (QuotaObserver observer : observers) {
      try {
        observer.onDeliveryAttempt(channel, kind, outcome);
      } catch (RuntimeException e) {
        LOG.warn("observer {} failed on a delivery attempt; ignored", observer, e);
      }
    }
  }
}
