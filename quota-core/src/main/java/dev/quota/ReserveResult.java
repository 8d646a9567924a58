package dev.quota;

import dev.quota.internal.Checks;
import java.util.Optional;

/**
 * What {@link QuotaGuard#reserve} did.
 *
 * @param decision the decision, with the standing after the call
 * @param reservationIfGranted the hold, if the decision allowed it
 */
public record ReserveResult(Decision decision, Optional<Reservation> reservationIfGranted) {
  /** Validates the result. */
  public ReserveResult {
    Checks.notNull("decision", decision);
    Checks.notNull("reservation if granted", reservationIfGranted);
  }

  /** @return whether a hold was made */
  public boolean granted() {
    return reservationIfGranted.isPresent();
  }

  /**
   * Returns the hold.
   *
   * @return the reservation
   * @throws IllegalStateException if the reservation was denied; check {@link #granted()} first
   */
  public Reservation reservation() {
    return reservationIfGranted.orElseThrow(() -> new IllegalStateException(
        "reservation was denied (" + decision.reason() + "); check granted() first"));
  }
}
