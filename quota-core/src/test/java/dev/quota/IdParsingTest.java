package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.EntitlementId;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdParsingTest {
  private static final String UUID_TEXT = "3f0e8a2c-5d1b-4c8e-9f7a-0b1c2d3e4f50";

  @Test
  void entitlementIdRoundTripsThroughItsText() {
    EntitlementId id = EntitlementId.random();

    assertThat(EntitlementId.parse(id.toString())).isEqualTo(id);
  }

  @Test
  void entitlementIdParsesAUuid() {
    assertThat(EntitlementId.parse(UUID_TEXT).value()).isEqualTo(UUID.fromString(UUID_TEXT));
  }

  @Test
  void entitlementIdThatIsNotAUuidIsRejected() {
    assertThatThrownBy(() -> EntitlementId.parse("grant-42"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("entitlement id");
          assertThat(e.rule()).isEqualTo("must be a UUID, was 'grant-42'");
        });
  }

  @Test
  void entitlementIdTextIsEchoedPrintableAndShortened() {
    String hostile = "\u001b[31m" + "x".repeat(500);

    assertThatThrownBy(() -> EntitlementId.parse(hostile))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.getMessage()).doesNotContain("\u001b").contains("\\u001b").contains("...");
          assertThat(e.getMessage().length()).isLessThan(150);
        });
  }

  @Test
  void nullEntitlementIdIsRejected() {
    assertThatThrownBy(() -> EntitlementId.parse(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("entitlement id");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void reservationIdRoundTripsThroughItsText() {
    ReservationId id = ReservationId.random();

    assertThat(ReservationId.parse(id.toString())).isEqualTo(id);
  }

  @Test
  void reservationIdThatIsNotAUuidIsRejected() {
    assertThatThrownBy(() -> ReservationId.parse("'; DROP TABLE reservations; --"))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reservation id");
          assertThat(e.rule()).isEqualTo("must be a UUID, was ''; DROP TABLE reservations; --'");
        });
  }

  @Test
  void nullReservationIdIsRejected() {
    assertThatThrownBy(() -> ReservationId.parse(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("reservation id");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void randomIdsDiffer() {
    assertThat(ReservationId.random()).isNotEqualTo(ReservationId.random());
    assertThat(EntitlementId.random()).isNotEqualTo(EntitlementId.random());
  }
}
