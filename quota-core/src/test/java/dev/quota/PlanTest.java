package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlanTest {

  @Test
  void planWithoutBillingDayUsesTheCataloguePeriods() {
    assertThat(Plan.of(Tier.PRO).billingDay()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 15, 28, 29, 30, 31})
  void billingDaysFrom1To31AreAccepted(int day) {
    assertThat(Plan.of(Tier.PRO, day).billingDay()).hasValue(day);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 32, -1})
  void billingDayOutside1To31IsRejected(int day) {
    assertThatThrownBy(() -> Plan.of(Tier.PRO, day))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("billing day");
          assertThat(e.rule()).isEqualTo("must be between 1 and 31, was " + day);
        });
  }

  @Test
  void nullTierIsRejected() {
    assertThatThrownBy(() -> Plan.of(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tier");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void nullBillingDayIsRejected() {
    assertThatThrownBy(() -> new Plan(Tier.PRO, null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("billing day");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void plansWithTheSameTierAndDayAreEqual() {
    assertThat(Plan.of(Tier.PRO, 15)).isEqualTo(new Plan(Tier.PRO, OptionalInt.of(15)))
        .isNotEqualTo(Plan.of(Tier.PRO));
  }
}
