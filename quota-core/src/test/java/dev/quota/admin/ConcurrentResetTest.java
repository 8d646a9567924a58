package dev.quota.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import org.junit.jupiter.api.Test;

/** Two operators resetting one tenant at the same moment, on one instance or two. */
class ConcurrentResetTest {
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Actor FIRST = Actor.of("first-operator");
  private static final Actor SECOND = Actor.of("second-operator");

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");

  private Quota instance() {
    return Quota.builder().store(store).clock(clock).build();
  }

  @Test
  void aResetOvertakenByAResetOfAnInstanceWhoseClockIsAheadCancelsOnlyWhatTheOtherDidNot() {
    Quota a = instance();
    Quota ahead = Quota.builder().store(store).clock(MutableClock.at("2027-01-15T12:00:01Z")).build();
    a.guard().record(UsageEvent.of(TENANT, Meter.AI_TOKENS, 600, UsageKey.of("usage")));
    // the other reset's grant starts a second after a's instant, and is written between a's read and a's write
    store.beforeNextEntitlementWrite(() -> ahead.admin().resetUsage(TENANT, SECOND, "JIRA-1"));

    ResetResult first = a.admin().resetUsage(TENANT, FIRST, "JIRA-2");

    long granted = a.admin().entitlements(TENANT).stream().mapToLong(e -> ((Grant) e).amount()).sum();
    assertThat(granted).as("usage cancelled, all resets together").isEqualTo(600);
    assertThat(first.grants()).as("nothing left to cancel").isEmpty();
  }

  @Test
  void aResetThatAnotherResetOvertookCancelsOnlyWhatTheOtherDidNot() {
    Quota a = instance();
    Quota b = instance();
    a.guard().record(UsageEvent.of(TENANT, Meter.AI_TOKENS, 600, UsageKey.of("usage")));
    // b's reset completes between a's read of the usage and a's write of its grant
    store.beforeNextEntitlementWrite(() -> b.admin().resetUsage(TENANT, SECOND, "JIRA-1"));

    ResetResult first = a.admin().resetUsage(TENANT, FIRST, "JIRA-2");

    long granted = a.admin().entitlements(TENANT).stream().mapToLong(e -> ((Grant) e).amount()).sum();
    assertThat(granted).as("usage cancelled, all resets together").isEqualTo(600);
    assertThat(first.grants()).as("nothing left to cancel").isEmpty();
    assertThat(a.guard().usage(TENANT).remaining()).isEqualTo(100_000);
  }
}
