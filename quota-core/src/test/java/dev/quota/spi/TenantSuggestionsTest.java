package dev.quota.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.TenantId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which known tenant ids an unknown one is taken for a misspelling of. */
class TenantSuggestionsTest {

  private static TenantId id(String value) {
    return TenantId.of(value);
  }

  @ParameterizedTest(name = "{0} -> {1}: {2}")
  @CsvSource({
      "acmee, acme, 1",      // one character too many
      "acm, acme, 1",        // one too few
      "acne, acme, 1",       // one replaced
      "amce, acme, 1",       // two swapped
      "ACME, acme, 0",       // case only
      "Acmee, acme, 1",
      "globex, acme, 5",
      "12354, 12345, 1",     // digits swapped
      "tenant-42, tenant-24, 1"
  })
  void distanceCountsInsertionsDeletionsReplacementsAndSwapsIgnoringCase(String typed, String known, int edits) {
    assertThat(TenantSuggestions.distance(id(typed), id(known))).isEqualTo(edits);
  }

  @Test
  void shortIdsAllowOneEditMediumTwoLongThree() {
    assertThat(TenantSuggestions.forUnknown(id("abcd")).maxDistance()).isEqualTo(1);
    assertThat(TenantSuggestions.forUnknown(id("abcde")).maxDistance()).isEqualTo(2);
    assertThat(TenantSuggestions.forUnknown(id("abcdefgh")).maxDistance()).isEqualTo(2);
    assertThat(TenantSuggestions.forUnknown(id("abcdefghi")).maxDistance()).isEqualTo(3);
    assertThat(TenantSuggestions.forUnknown(id("3f2b1c9e-6a1d-4f0b-9e35-2b8c7d6e5f4a")).maxDistance())
        .isEqualTo(TenantSuggestions.MAX_EDITS);
  }

  @Test
  void theLengthWindowHoldsEveryIdThatCanMatch() {
    TenantSuggestions suggestions = TenantSuggestions.forUnknown(id("acmee"));

    assertThat(suggestions.minLength()).isEqualTo(3);
    assertThat(suggestions.maxLength()).isEqualTo(7);
    assertThat(TenantSuggestions.forUnknown(id("a")).minLength()).isEqualTo(1);
  }

  @Test
  void closestComeFirstThenByIdAndOnlyWithinTheAllowedEdits() {
    TenantSuggestions suggestions = TenantSuggestions.forUnknown(id("acmee"));
    for (String known : List.of("globex", "acme-eu", "acme", "initech", "acne", "ACMEE")) {
      suggestions.offer(id(known));
    }

    // ACMEE: 0 edits; acme: 1; acme-eu and acne: 2 each, by id; globex and initech: too far
    assertThat(suggestions.closest(10)).containsExactly(id("ACMEE"), id("acme"), id("acme-eu"), id("acne"));
    assertThat(suggestions.closest(2)).containsExactly(id("ACMEE"), id("acme"));
  }

  @Test
  void anIdOfferedTwiceIsSuggestedOnce() {
    TenantSuggestions suggestions = TenantSuggestions.forUnknown(id("acmee"));

    assertThat(suggestions.offer(id("acme"))).isTrue();
    assertThat(suggestions.offer(id("acme"))).isTrue();

    assertThat(suggestions.closest(5)).containsExactly(id("acme"));
  }

  @Test
  void theTypedIdItselfAndDistantIdsAreNotKept() {
    TenantSuggestions suggestions = TenantSuggestions.forUnknown(id("acme"));

    assertThat(suggestions.offer(id("acme"))).isFalse();
    assertThat(suggestions.offer(id("acmeee"))).isFalse(); // 2 edits; a 4-character id allows 1
    assertThat(suggestions.closest(5)).isEmpty();
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThatThrownBy(() -> TenantSuggestions.forUnknown(id("acme")).closest(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be positive, was 0");
  }
}
