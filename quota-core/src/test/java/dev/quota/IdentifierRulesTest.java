package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.Actor;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant ids, usage keys and actors share one rule: non-blank, at most 255 characters, no control
 * characters, no leading or trailing white space; anything else is kept verbatim.
 */
class IdentifierRulesTest {

  record Kind(String field, Function<String, Object> create, Function<Object, String> value) {
    @Override
    public String toString() {
      return field;
    }
  }

  static Stream<Kind> kinds() {
    return Stream.of(
        new Kind("tenant id", TenantId::of, o -> ((TenantId) o).value()),
        new Kind("usage key", UsageKey::of, o -> ((UsageKey) o).value()),
        new Kind("actor", Actor::of, o -> ((Actor) o).id()));
  }

  static Stream<Arguments> kindsWithText(String... texts) {
    return kinds().flatMap(k -> Stream.of(texts).map(t -> Arguments.of(k, t)));
  }

  static Stream<Arguments> verbatimTexts() {
    return kindsWithText(
        "acme-42",
        "'; DROP TABLE usage_ledger; --",
        "tenant' OR '1'='1",
        "Robert\"); DELETE FROM quota; --",
        "%_\\*?[]{}$",
        "Ünïcødé テナント 租户 🚀",
        "a b\u00e9c",
        "3f0e8a2c-5d1b-4c8e-9f7a-0b1c2d3e4f50");
  }

  static Stream<Arguments> controlCharacters() {
    return kindsWithText("a\u0000b", "a\nb", "a\tb", "a\rb", "a\u001bb", "a\u007fb", "a\u0085b", "line\n");
  }

  static Stream<Arguments> surroundingWhiteSpace() {
    return kindsWithText(" acme", "acme ", " acme ", "\u2003acme", "acme\u3000");
  }

  static Stream<Arguments> blanks() {
    return kindsWithText("", " ", "   ", "\u2003");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("verbatimTexts")
  void anyPrintableTextIsAcceptedVerbatim(Kind kind, String text) {
    assertThat(kind.value().apply(kind.create().apply(text))).isEqualTo(text);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void exactly255CharactersAreAccepted(Kind kind) {
    String text = "x".repeat(255);

    assertThat(kind.value().apply(kind.create().apply(text))).isEqualTo(text);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void moreThan255CharactersAreRejected(Kind kind) {
    assertThatThrownBy(() -> kind.create().apply("x".repeat(256)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).isEqualTo("must be at most 255 characters, was 256");
          assertThat(e.getMessage()).isEqualTo(kind.field() + " must be at most 255 characters, was 256");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void oneCharacterIsAccepted(Kind kind) {
    assertThat(kind.value().apply(kind.create().apply("7"))).isEqualTo("7");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void nullIsRejected(Kind kind) {
    assertThatThrownBy(() -> kind.create().apply(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @ParameterizedTest(name = "{0}: \"{1}\"")
  @MethodSource("blanks")
  void blankTextIsRejected(Kind kind, String text) {
    assertThatThrownBy(() -> kind.create().apply(text))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).isEqualTo("must not be blank");
        });
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("controlCharacters")
  void controlCharactersAreRejected(Kind kind, String text) {
    assertThatThrownBy(() -> kind.create().apply(text))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).startsWith("must not contain control characters");
          // The offending character is named, not echoed: logs and API errors stay printable.
          assertThat(e.getMessage()).containsPattern("U\\+00[0-9A-F]{2} at index \\d+").doesNotContain(text);
        });
  }

  @ParameterizedTest(name = "{0}: \"{1}\"")
  @MethodSource("surroundingWhiteSpace")
  void surroundingWhiteSpaceIsRejected(Kind kind, String text) {
    assertThatThrownBy(() -> kind.create().apply(text))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).isEqualTo("must not start or end with white space");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void innerWhiteSpaceIsKept(Kind kind) {
    assertThat(kind.value().apply(kind.create().apply("Acme  Corp"))).isEqualTo("Acme  Corp");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void valuesWithEqualTextAreEqual(Kind kind) {
    assertThat(kind.create().apply("acme")).isEqualTo(kind.create().apply("acme"))
        .isNotEqualTo(kind.create().apply("Acme"));
  }
}
