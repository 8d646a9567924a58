package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PlanTableTest {
  @Test
  void theSeedsUserTableWithANumericId() {
    assertThat(PlanTable.parse("public.user(id:bigint,tier)"))
        .isEqualTo(new PlanTable("public", "user", "id", "bigint", "tier"));
  }

  @Test
  void anIdWithoutTypeIsText() {
    assertThat(PlanTable.parse("crm.Accounts( account_id , plan_tier )"))
        .isEqualTo(new PlanTable("crm", "Accounts", "account_id", "varchar", "plan_tier"));
  }

  @Test
  void theDescriptionReadsLikeTheOption() {
    assertThat(PlanTable.parse("public.user(id:BIGINT,tier)").describe()).isEqualTo("public.user(id:bigint,tier)");
    assertThat(PlanTable.parse("crm.accounts(id,tier)").describe()).isEqualTo("crm.accounts(id,tier)");
  }

  @Test
  void anotherFormIsBadUsageShowingTheForm() {
    assertThatThrownBy(() -> PlanTable.parse("public.user.tier"))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
        .hasMessageContaining("SCHEMA.TABLE(ID_COLUMN[:TYPE],TIER_COLUMN)");
  }

  @Test
  void anUnknownIdTypeIsBadUsage() {
    assertThatThrownBy(() -> PlanTable.parse("public.user(id:serial,tier)"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("must be one of varchar, bigint, integer, uuid, was 'serial'");
  }
}
