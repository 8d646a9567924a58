package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.support.SimpleStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Values that only a guard may make have no public constructor: callers cannot build inconsistent ones. */
class ApiSurfaceTest {

  @Test
  void aReservationHasNoPublicConstructorSinceItsGuardIsNotTheCallersChoice() {
    assertThat(Reservation.class.getConstructors()).isEmpty();
  }

  @Test
  void aDecisionIsMadeOnlyByItsFactories() {
    assertThat(Decision.class.getConstructors()).isEmpty();
  }

  @Test
  void quotaExceededIsThrownOnlyByDecisionOrThrow() {
    assertThat(QuotaExceededException.class.getConstructors()).isEmpty();
  }

  @Test
  void aGuardStillHandsOutReservationsBoundToItself() {
    Quota quota = Quota.builder().store(new SimpleStore()).build();
    TenantId tenant = TenantId.of("acme");

    Reservation reservation = quota.guard().reserve(tenant, Meter.AI_TOKENS, 10, Duration.ofMinutes(1)).reservation();
    RecordResult committed = reservation.commit(7, UsageKey.of("k"));

    assertThat(committed.amount()).isEqualTo(7);
    assertThat(quota.guard().usage(tenant).used()).isEqualTo(7);
  }
}
