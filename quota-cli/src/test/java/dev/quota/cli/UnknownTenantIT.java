package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.TenantId;
import dev.quota.admin.PageRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A misspelled tenant at 2 a.m., with the jar on PostgreSQL: refused with what was meant, nothing written. */
class UnknownTenantIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private int auditEntries() {
    return db.service().admin().audit(PageRequest.first(PageRequest.MAX_SIZE)).items().size();
  }

  @Test
  void aGrantAndAResetOfAMisspelledTenantAreRefusedAndTheBlockedOneStaysBlocked() {
    db.cli().run("plan", "acme", "free", "--new-tenant", "--reason", "signed up");
    db.use("acme", 100_000);
    int before = auditEntries();

    CliJar.Result grant = db.cli().run("grant", "acmee", "50k", "--until", "+1d", "--reason", "typo");
    CliJar.Result reset = db.cli().run("reset", "acmee", "--reason", "typo");

    assertThat(grant.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(grant.err()).isEqualTo("quota grant: tenant 'acmee' is unknown: it has no plan, usage, entitlements "
        + "or audit history; did you mean 'acme'? Nothing was changed; to act on a new tenant anyway, add "
        + "--new-tenant\n");
    assertThat(reset.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(reset.err()).contains("did you mean 'acme'?");
    assertThat(auditEntries()).isEqualTo(before);
    assertThat(db.service().admin().lookUp(TenantId.of("acmee")).known()).isFalse();
    assertThat(db.service().guard().canProceed(TenantId.of("acme"))).isFalse();
  }

  @Test
  void usageOfAMisspelledTenantSaysItIsUnknown() {
    db.cli().run("plan", "globex", "pro", "--new-tenant", "--reason", "signed up");

    CliJar.Result usage = db.cli().run("usage", "glbex");

    assertThat(usage.out()).startsWith("tenant 'glbex' is unknown: it has no plan, usage, entitlements or audit "
        + "history; did you mean 'globex'?");
  }

  @Test
  void aNewTenantIsCreatedWhenSaidSo() {
    CliJar.Result plan = db.cli().run("plan", "initech", "enterprise", "--new-tenant", "--reason", "CRM-7: signed");

    assertThat(plan.exitCode()).isZero();
    assertThat(db.service().admin().lookUp(TenantId.of("initech")).known()).isTrue();
  }
}
