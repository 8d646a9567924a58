package dev.quota.examples;

import static dev.quota.examples.OrganisationScenario.ALICE;
import static dev.quota.examples.OrganisationScenario.BOB;
import static dev.quota.examples.OrganisationScenario.CALL;
import static dev.quota.examples.OrganisationScenario.ORGANISATION;
import static dev.quota.examples.OrganisationScenario.PER_MINUTE;
import static dev.quota.examples.OrganisationScenario.RESEARCH;
import static dev.quota.examples.OrganisationScenario.RESEARCH_SHARE;
import static dev.quota.examples.OrganisationScenario.SUPPORT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConsumeResult;
import dev.quota.Decision;
import dev.quota.LevelUsage;
import dev.quota.Window;
import dev.quota.spi.LedgerEntry;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The organisation story, checked on its outcome, on the store it leaves behind and on what it prints. */
class OrganisationScenarioTest {
  private InMemoryQuotaStore store;
  private OrganisationScenario.Outcome outcome;
  private String printed;

  @BeforeEach
  void tellTheStory() {
    store = new InMemoryQuotaStore();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    outcome = new OrganisationScenario(store, "in-memory store", TestClock.at(OrganisationScenario.START),
        new PrintStream(buffer, true, UTF_8)).run();
    printed = buffer.toString(UTF_8);
  }

  @Test
  void researchStopsAtItsOwnCapWhileTheOrganisationHasRoom() {
    assertThat(outcome.aliceCalls()).isEqualTo((int) (RESEARCH_SHARE / CALL));
    Decision cap = outcome.researchCap();
    assertThat(cap.allowed()).isFalse();
    assertThat(cap.tenant()).isEqualTo(ALICE);
    assertThat(cap.level()).isEqualTo(RESEARCH);
    assertThat(cap.levelsUp()).isEqualTo(1);
    assertThat(cap.window()).isEqualTo(Window.PERIOD);
    assertThat(outcome.organisationAfterResearch().used()).isEqualTo(RESEARCH_SHARE);
    assertThat(outcome.organisationAfterResearch().remaining()).isEqualTo(10_000_000 - RESEARCH_SHARE);
    assertThat(outcome.bobMeanwhile().outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);
    assertThat(printed).contains("denied at initrode-research (1 level up), window period");
  }

  @Test
  void aBurstIsStoppedByTheOrganisationsPerMinuteWindowAndGoesOnTheNextMinute() {
    assertThat(outcome.burstCalls()).isEqualTo((int) (PER_MINUTE / CALL));
    Decision stopped = outcome.burstStopped();
    assertThat(stopped.allowed()).isFalse();
    assertThat(stopped.level()).isEqualTo(ORGANISATION);
    assertThat(stopped.levelsUp()).isEqualTo(2);
    assertThat(stopped.window()).isEqualTo(Window.MINUTE);
    assertThat(outcome.nextMinute().outcome()).isEqualTo(ConsumeResult.Outcome.CONSUMED);
    assertThat(printed).contains("denied at initrode (2 levels up), window minute");
  }

  @Test
  void everyLevelCountsItsDescendantsAndTheLedgerHasOneEntryPerCall() {
    long bobCalls = 1 + outcome.burstCalls() + 1;
    long expectedOrganisation = RESEARCH_SHARE + bobCalls * CALL;
    assertThat(outcome.bobPath()).extracting(LevelUsage::level, LevelUsage::window)
        .contains(org.assertj.core.groups.Tuple.tuple(BOB, Window.PERIOD),
            org.assertj.core.groups.Tuple.tuple(SUPPORT, Window.PERIOD),
            org.assertj.core.groups.Tuple.tuple(ORGANISATION, Window.PERIOD),
            org.assertj.core.groups.Tuple.tuple(ORGANISATION, Window.MINUTE));
    LevelUsage organisationMonth = outcome.bobPath().stream()
        .filter(l -> l.level().equals(ORGANISATION) && l.window() == Window.PERIOD).findFirst().orElseThrow();
    assertThat(organisationMonth.report().used()).isEqualTo(expectedOrganisation);
    assertThat(store.ledger(ALICE)).hasSize(outcome.aliceCalls());
    assertThat(store.ledger(BOB)).hasSize((int) bobCalls);
    assertThat(store.ledger(ORGANISATION)).isEmpty();
    assertThat(store.ledger(BOB).stream().mapToLong(LedgerEntry::amount).sum()).isEqualTo(bobCalls * CALL);
    assertThat(outcome.verification().consistent()).isTrue();
  }
}
