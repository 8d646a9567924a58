package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tier and meter names: 1 to 64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit. */
class NameRulesTest {

  record Kind(String field, Function<String, Object> create, Function<Object, String> name) {
    @Override
    public String toString() {
      return field;
    }
  }

  static Stream<Kind> kinds() {
    return Stream.of(
        new Kind("tier", Tier::of, o -> ((Tier) o).name()),
        new Kind("meter", Meter::of, o -> ((Meter) o).name()));
  }

  static Stream<Arguments> withNames(String... names) {
    return kinds().flatMap(k -> Stream.of(names).map(n -> Arguments.of(k, n)));
  }

  static Stream<Arguments> validNames() {
    return withNames("free", "pro", "ai-tokens", "gpt_4o.input", "Enterprise2", "9lives", "a", "A-_.");
  }

  static Stream<Arguments> invalidNames() {
    return withNames("-free", "_free", ".free", "free tier", "free!", "prö", "ﬁ", "tier/1", "'; DROP TABLE tiers; --",
        " free", "free\n");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("validNames")
  void namesOfLettersDigitsAndSeparatorsAreAccepted(Kind kind, String name) {
    assertThat(kind.name().apply(kind.create().apply(name))).isEqualTo(name);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("invalidNames")
  void otherCharactersOrALeadingSeparatorAreRejected(Kind kind, String name) {
    assertThatThrownBy(() -> kind.create().apply(name))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).startsWith("must consist of ASCII letters, digits, '-', '_' and '.', "
              + "starting with a letter or digit");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void exactly64CharactersAreAccepted(Kind kind) {
    assertThat(kind.name().apply(kind.create().apply("n".repeat(64)))).hasSize(64);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void moreThan64CharactersAreRejected(Kind kind) {
    assertThatThrownBy(() -> kind.create().apply("n".repeat(65)))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).isEqualTo("must be at most 64 characters, was 65");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void emptyNameIsRejected(Kind kind) {
    assertThatThrownBy(() -> kind.create().apply(""))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).isEqualTo("must not be blank");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void nullNameIsRejected(Kind kind) {
    assertThatThrownBy(() -> kind.create().apply(null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo(kind.field());
          assertThat(e.rule()).isEqualTo("must not be null");
        });
  }

  @Test
  void rejectedNameIsEchoedWithControlCharactersEscaped() {
    assertThatThrownBy(() -> Tier.of("free\u0007"))
        .isInstanceOfSatisfying(InvalidRequestException.class,
            e -> assertThat(e.getMessage()).contains("free\\u0007").doesNotContain("\u0007"));
  }

  @Test
  void tierNamesAreCaseSensitive() {
    assertThat(Tier.of("Pro")).isNotEqualTo(Tier.PRO);
  }

  @Test
  void defaultMeterIsAiTokens() {
    assertThat(Meter.AI_TOKENS.name()).isEqualTo("ai-tokens");
  }

  @Test
  void builtInTiersAreFreeProAndEnterprise() {
    assertThat(Stream.of(Tier.FREE, Tier.PRO, Tier.ENTERPRISE).map(Tier::name)).containsExactly("free", "pro", "enterprise");
  }
}
