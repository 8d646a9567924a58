package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.TierCatalogue;
import org.junit.jupiter.api.Test;

class AmountTest {
  @Test
  void plainDigitsAreACount() {
    assertThat(Amount.parsePositive("amount", "50000")).isEqualTo(50_000);
  }

  @Test
  void underscoresAndCommasSeparateThousands() {
    assertThat(Amount.parsePositive("amount", "50_000")).isEqualTo(50_000);
    assertThat(Amount.parsePositive("amount", "1,000,000")).isEqualTo(1_000_000);
  }

  @Test
  void kIsAThousandAndMAMillion() {
    assertThat(Amount.parsePositive("amount", "50k")).isEqualTo(50_000);
    assertThat(Amount.parsePositive("amount", "2M")).isEqualTo(2_000_000);
    assertThat(Amount.parsePositive("amount", "1.5M")).isEqualTo(1_500_000);
  }

  @Test
  void aFractionOfAUnitIsBadUsage() {
    assertThatThrownBy(() -> Amount.parsePositive("amount", "1.5"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("amount must be a whole count");
  }

  @Test
  void zeroIsNotPositive() {
    assertThatThrownBy(() -> Amount.parsePositive("amount", "0"))
        .isInstanceOf(CliException.class)
        .hasMessage("amount must be positive, was 0");
  }

  @Test
  void aNegativeCountIsBadUsage() {
    assertThatThrownBy(() -> Amount.parsePositive("amount", "-5")).isInstanceOf(CliException.class);
  }

  @Test
  void aCountBeyondSixtyFourBitsIsBadUsage() {
    assertThatThrownBy(() -> Amount.parsePositive("amount", "10000000000000000000"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("at most 9223372036854775807");
  }

  @Test
  void aLimitMayBeUnlimited() {
    assertThat(Amount.parseLimit("limit", "unlimited")).isEqualTo(TierCatalogue.UNLIMITED);
    assertThat(Amount.parseLimit("limit", "0")).isZero();
  }
}
