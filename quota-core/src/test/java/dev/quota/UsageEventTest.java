package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UsageEventTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final UsageKey KEY = UsageKey.of("session-1");

  private static UsageEvent withAttributes(Map<String, String> attributes) {
    return new UsageEvent(TENANT, Meter.AI_TOKENS, 10, KEY, attributes);
  }

  private static Map<String, String> attributes(int count) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      map.put("a" + i, "v");
    }
    return map;
  }

  @Test
  void eventWithoutAttributesHasAnEmptyMap() {
    assertThat(UsageEvent.of(TENANT, Meter.AI_TOKENS, 1, KEY).attributes()).isEmpty();
  }

  @Test
  void nullAttributesBecomeAnEmptyMap() {
    assertThat(withAttributes(null).attributes()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void amountThatIsNotPositiveIsRejected(long amount) {
    assertThatThrownBy(() -> UsageEvent.of(TENANT, Meter.AI_TOKENS, amount, KEY))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("amount");
          assertThat(e.rule()).isEqualTo("must be positive, was " + amount);
        });
  }

  @Test
  void largestAmountIsAccepted() {
    assertThat(UsageEvent.of(TENANT, Meter.AI_TOKENS, Long.MAX_VALUE, KEY).amount()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void missingTenantIsRejected() {
    assertThatThrownBy(() -> UsageEvent.of(null, Meter.AI_TOKENS, 1, KEY))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("tenant");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void missingMeterIsRejected() {
    assertThatThrownBy(() -> UsageEvent.of(TENANT, null, 1, KEY))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("meter");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void missingUsageKeyIsRejected() {
    assertThatThrownBy(() -> UsageEvent.of(TENANT, Meter.AI_TOKENS, 1, null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("key");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void thirtyTwoAttributesAreAccepted() {
    assertThat(withAttributes(attributes(32)).attributes()).hasSize(32);
  }

  @Test
  void thirtyThreeAttributesAreRejected() {
    assertThatThrownBy(() -> withAttributes(attributes(33)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("attributes");
          assertThat(e.rule()).isEqualTo("must have at most 32 entries, had 33");
        });
  }

  @Test
  void attributeNameOf64CharactersIsAccepted() {
    assertThat(withAttributes(Map.of("n".repeat(64), "v")).attributes()).containsKey("n".repeat(64));
  }

  @Test
  void attributeNameOf65CharactersIsRejected() {
    assertThatThrownBy(() -> withAttributes(Map.of("n".repeat(65), "v")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("attribute name");
          assertThat(e.rule()).isEqualTo("must be at most 64 characters, was 65");
        });
  }

  @Test
  void blankAttributeNameIsRejected() {
    assertThatThrownBy(() -> withAttributes(Map.of(" ", "v")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("attribute name");
          assertThat(e.rule()).isEqualTo("must not be blank");
        });
  }

  @Test
  void nullAttributeNameIsRejected() {
    Map<String, String> map = new HashMap<>();
    map.put(null, "v");

    assertThatThrownBy(() -> withAttributes(map))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("attribute name");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void attributeValueOf1024CharactersIsAccepted() {
    assertThat(withAttributes(Map.of("prompt", "v".repeat(1024))).attributes().get("prompt")).hasSize(1024);
  }

  @Test
  void attributeValueOf1025CharactersIsRejected() {
    assertThatThrownBy(() -> withAttributes(Map.of("prompt", "v".repeat(1025))))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("attribute 'prompt'");
          assertThat(e.rule()).isEqualTo("must be at most 1024 characters, was 1025");
        });
  }

  @Test
  void emptyAttributeValueIsAccepted() {
    assertThat(withAttributes(Map.of("model", "")).attributes()).containsEntry("model", "");
  }

  @Test
  void nullAttributeValueIsRejected() {
    Map<String, String> map = new HashMap<>();
    map.put("model", null);

    assertThatThrownBy(() -> withAttributes(map))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("attribute 'model'");
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void attributeValueMayContainTabsAndLineFeeds() {
    assertThat(withAttributes(Map.of("note", "line 1\n\tline 2")).attributes()).containsEntry("note", "line 1\n\tline 2");
  }

  @Test
  void attributeValueWithOtherControlCharactersIsRejected() {
    assertThatThrownBy(() -> withAttributes(Map.of("note", "bell\u0007")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("attribute 'note'");
          assertThat(e.rule()).startsWith("must not contain control characters other than tab and line feed");
        });
  }

  @Test
  void sqlLookingAndUnicodeAttributeValuesAreKeptVerbatim() {
    Map<String, String> attributes = Map.of("q", "'); DROP TABLE usage_ledger; --", "model", "gpt-ö 模型 🚀");

    assertThat(withAttributes(attributes).attributes()).isEqualTo(attributes);
  }

  @Test
  void attributesAreCopiedSoLaterChangesToTheCallersMapDoNotLeakIn() {
    Map<String, String> map = new HashMap<>(Map.of("model", "small"));
    UsageEvent event = withAttributes(map);

    map.put("model", "large");

    assertThat(event.attributes()).containsExactly(Map.entry("model", "small"));
  }

  @Test
  void attributesCannotBeModified() {
    UsageEvent event = withAttributes(Map.of("model", "small"));

    assertThatThrownBy(() -> event.attributes().put("model", "large")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void attributesKeepTheCallersOrder() {
    Map<String, String> ordered = new LinkedHashMap<>();
    ordered.put("z", "1");
    ordered.put("a", "2");
    ordered.put("m", "3");

    assertThat(withAttributes(ordered).attributes().keySet()).containsExactly("z", "a", "m");
  }

  @Test
  void withAttributesReplacesTheAttributesAndKeepsTheRest() {
    UsageEvent event = withAttributes(Map.of("a", "1")).withAttributes(Map.of("b", "2"));

    assertThat(event.attributes()).containsExactly(Map.entry("b", "2"));
    assertThat(event.amount()).isEqualTo(10);
    assertThat(event.key()).isEqualTo(KEY);
  }
}
