package dev.quota.period;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Period;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built-in policies remember the last period they computed. These tests walk each policy through many
 * instants, forwards, backwards, onto and next to boundaries and across DST transitions, and compare every
 * answer with a reference computed here in the plainest way, without any cache.
 */
class PeriodPolicyCacheTest {
  private static final long SEED = 20270131L;
  private static final int STEPS = 4_000;
  private static final Instant FROM = Instant.parse("2000-01-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2040-01-01T00:00:00Z");

  private static final List<ZoneId> ZONES = Stream.of("UTC", "Europe/Berlin", "America/New_York",
      "America/Santiago", "America/Asuncion", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia")
      .map(ZoneId::of).toList();

  record Case(String name, PeriodPolicy policy, Function<Instant, Period> reference, ZoneId zone) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    List<Case> cases = new ArrayList<>();
    for (ZoneId zone : ZONES) {
      cases.add(new Case("calendarMonth(" + zone + ")", PeriodPolicy.calendarMonth(zone),
          t -> monthly(1, zone, t), zone));
      for (int day : new int[] {15, 29, 30, 31}) {
        cases.add(new Case("monthlyOn(" + day + ", " + zone + ")", PeriodPolicy.monthlyOn(day, zone),
            t -> monthly(day, zone, t), zone));
      }
      cases.add(new Case("calendarDay(" + zone + ")", PeriodPolicy.calendarDay(zone), t -> daily(zone, t), zone));
    }
    Instant oddOrigin = Instant.parse("2011-11-11T11:11:11.111111111Z");
    for (Duration length : List.of(Duration.ofHours(1), Duration.ofDays(7), Duration.ofSeconds(90_061, 7))) {
      cases.add(new Case("fixed(" + length + ")", PeriodPolicy.fixed(length),
          t -> fixed(length, Instant.EPOCH, t), ZoneOffset.UTC));
      cases.add(new Case("fixed(" + length + ", " + oddOrigin + ")", PeriodPolicy.fixed(length, oddOrigin),
          t -> fixed(length, oddOrigin, t), ZoneOffset.UTC));
    }
    return cases.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void cachedPeriodsAlwaysMatchAPlainComputation(Case c) {
    SplittableRandom random = new SplittableRandom(SEED ^ c.name().hashCode());
    List<Instant> transitions = transitions(c.zone());
    Instant t = FROM;
    Period previous = c.policy().periodAt(t);
    for (int step = 0; step < STEPS; step++) {
      t = next(random, t, previous, transitions);
      Period actual = c.policy().periodAt(t);
      Period expected = c.reference().apply(t);
      assertThat(actual).as("%s at %s (step %d)", c, t, step).isEqualTo(expected);
      assertThat(actual.contains(t)).as("%s contains %s", actual, t).isTrue();
      previous = actual;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void consecutivePeriodsLeaveNoGapAndDoNotOverlap(Case c) {
    Period p = c.policy().periodAt(Instant.parse("2023-01-01T00:00:00Z"));
    Instant stop = Instant.parse("2025-01-01T00:00:00Z");
    while (p.end().isBefore(stop)) {
      Period next = c.policy().periodAt(p.end());
      assertThat(next.start()).as("period after %s", p).isEqualTo(p.end());
      assertThat(c.policy().periodAt(p.end().minusNanos(1))).as("last instant of %s", p).isEqualTo(p);
      p = next;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void threadsSharingOnePolicyAllGetTheRightPeriods(Case c) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int thread = 0; thread < 4; thread++) {
        SplittableRandom random = new SplittableRandom(SEED + thread);
        results.add(pool.submit(() -> {
          int checked = 0;
          for (int i = 0; i < 500; i++) {
            Instant t = FROM.plusSeconds(random.nextLong(Duration.between(FROM, TO).getSeconds()));
            assertThat(c.policy().periodAt(t)).as("%s at %s", c, t).isEqualTo(c.reference().apply(t));
            checked++;
          }
          return checked;
        }));
      }
      for (Future<Integer> result : results) {
        assertThat(result.get(1, TimeUnit.MINUTES)).isEqualTo(500);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The next instant of the walk: a mix of small steps either way, jumps, and instants at and next to boundaries. */
  private static Instant next(SplittableRandom random, Instant t, Period previous, List<Instant> transitions) {
    Instant candidate = switch (random.nextInt(9)) {
      case 0 -> FROM.plusSeconds(random.nextLong(Duration.between(FROM, TO).getSeconds()))
          .plusNanos(random.nextLong(1_000_000_000L));
      case 1 -> t.plusSeconds(random.nextLong(-3 * 86_400, 3 * 86_400));
      case 2 -> t.plusNanos(random.nextLong(-5_000_000_000L, 5_000_000_000L));
      case 3 -> previous.end();
      case 4 -> previous.end().minusNanos(1);
      case 5 -> previous.start();
      case 6 -> previous.start().minusNanos(1);
      case 7 -> transitions.isEmpty() ? t.minusSeconds(random.nextLong(40 * 86_400))
          : transitions.get(random.nextInt(transitions.size())).plusSeconds(random.nextLong(-36 * 3600, 36 * 3600));
      default -> t.minusSeconds(random.nextLong(40 * 86_400));
    };
    if (candidate.isBefore(FROM) || candidate.isAfter(TO)) {
      return FROM.plusSeconds(random.nextLong(Duration.between(FROM, TO).getSeconds()));
    }
    return candidate;
  }

  private static List<Instant> transitions(ZoneId zone) {
    ZoneRules rules = zone.getRules();
    List<Instant> all = new ArrayList<>();
    ZoneOffsetTransition t = rules.nextTransition(FROM);
    while (t != null && t.getInstant().isBefore(TO)) {
      all.add(t.getInstant());
      t = rules.nextTransition(t.getInstant());
    }
    return all;
  }

  // --- references: straightforward, uncached, and built differently from the policies ---------------------

  /** The first instant at or after local midnight of a date: just after the gap when midnight is skipped. */
  private static Instant startOfDay(LocalDate date, ZoneId zone) {
    LocalDateTime midnight = date.atStartOfDay();
    ZoneOffsetTransition transition = zone.getRules().getTransition(midnight);
    if (transition != null && transition.isGap()) {
      return transition.getInstant();
    }
    // Not in a gap: the earliest instant showing local midnight.
    return midnight.toInstant(zone.getRules().getValidOffsets(midnight).get(0));
  }

  private static Period monthly(int day, ZoneId zone, Instant t) {
    YearMonth month = YearMonth.from(t.atZone(zone)).minusMonths(2);
    while (true) {
      Instant start = startOfDay(month.atDay(Math.min(day, month.lengthOfMonth())), zone);
      YearMonth following = month.plusMonths(1);
      Instant end = startOfDay(following.atDay(Math.min(day, following.lengthOfMonth())), zone);
      if (!t.isBefore(start) && t.isBefore(end)) {
        return new Period(start, end);
      }
      month = following;
    }
  }

  private static Period daily(ZoneId zone, Instant t) {
    LocalDate date = LocalDate.ofInstant(t, zone).minusDays(2);
    while (true) {
      Instant start = startOfDay(date, zone);
      Instant end = startOfDay(date.plusDays(1), zone);
      if (!t.isBefore(start) && t.isBefore(end)) {
        return new Period(start, end);
      }
      date = date.plusDays(1);
    }
  }

  private static Period fixed(Duration length, Instant origin, Instant t) {
    // Within a few centuries of the origin, nanoseconds fit in a long.
    long offset = Duration.between(origin, t).toNanos();
    long lengthNanos = length.toNanos();
    long index = Math.floorDiv(offset, lengthNanos);
    Instant start = origin.plusNanos(index * lengthNanos);
    return new Period(start, start.plus(length));
  }
}
