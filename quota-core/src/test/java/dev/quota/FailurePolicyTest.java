package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.FailurePolicy.Kind;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailurePolicyTest {

  @Test
  void denyHasNoMaximumAge() {
    assertThat(FailurePolicy.deny()).isEqualTo(new FailurePolicy(Kind.DENY, Duration.ZERO));
  }

  @Test
  void allowHasNoMaximumAge() {
    assertThat(FailurePolicy.allow()).isEqualTo(new FailurePolicy(Kind.ALLOW, Duration.ZERO));
  }

  @Test
  void lastKnownStateKeepsItsMaximumAge() {
    assertThat(FailurePolicy.lastKnownState(Duration.ofSeconds(30)).maxAge()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void lastKnownStateWithZeroMaximumAgeIsRejected() {
    assertThatThrownBy(() -> FailurePolicy.lastKnownState(Duration.ZERO))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("max age");
          assertThat(e.rule()).isEqualTo("must be positive, was PT0S");
        });
  }

  @Test
  void lastKnownStateWithNegativeMaximumAgeIsRejected() {
    assertThatThrownBy(() -> FailurePolicy.lastKnownState(Duration.ofSeconds(-1)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("max age");
          assertThat(e.rule()).startsWith("must be positive");
        });
  }

  @Test
  void lastKnownStateWithoutMaximumAgeIsRejected() {
    assertThatThrownBy(() -> FailurePolicy.lastKnownState(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("max age");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void missingKindIsRejected() {
    assertThatThrownBy(() -> new FailurePolicy(null, Duration.ZERO))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("kind");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void denyPolicyWithAMaximumAgeIsRejected() {
    assertThatThrownBy(() -> new FailurePolicy(Kind.DENY, Duration.ofMinutes(5)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("max age");
          assertThat(e.rule()).isEqualTo("must be zero for DENY, was PT5M");
        });
  }

  @Test
  void allowPolicyWithAMaximumAgeIsRejected() {
    assertThatThrownBy(() -> new FailurePolicy(Kind.ALLOW, Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("max age");
          assertThat(e.rule()).isEqualTo("must be zero for ALLOW, was PT1S");
        });
  }
}
