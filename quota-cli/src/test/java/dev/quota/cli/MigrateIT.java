package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MigrateIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  @Test
  void migrateCreatesTheSchemaAndItsTables() {
    assertThat(db.migration().exitCode()).isZero();
    assertThat(db.migration().out()).isEqualTo("schema " + db.schema() + ": quota's tables created or upgraded\n");
    assertThat(db.migration().err()).isEmpty();
    assertThat(db.cli().run("usage", "acme").exitCode()).isZero();
  }

  @Test
  void migrateAgainFindsTheTablesAndChangesNothing() {
    CliJar.Result again = db.cli().run("migrate");

    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).isEqualTo("schema " + db.schema() + ": quota's tables are up to date, nothing to do\n");
  }

  @Test
  void migrateAsJsonSaysWhetherItCreatedTheTables() throws Exception {
    String fresh = db.newSchemaName("json");

    CliJar.Result result = db.cli().run("--schema", fresh, "migrate", "--json");

    assertThat(result.exitCode()).isZero();
    JSONObject document = new JSONObject(result.out());
    assertThat(document.getString("schema")).isEqualTo(fresh);
    assertThat(document.getBoolean("created")).isTrue();
  }

  @Test
  void aSchemaNeverMigratedIsUnavailableWithAHintToMigrate() throws Exception {
    String empty = db.newSchemaName("empty");

    CliJar.Result result = db.cli().run("--schema", empty, "usage", "acme");

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.err().lines()).hasSize(1);
    assertThat(result.err()).startsWith("quota usage: schema " + empty + " has no quota tables: run 'quota --schema "
        + empty + " migrate', call PostgresQuotaStore.createSchema(dataSource, \"" + empty + "\"), or migrate with "
        + "Flyway (location classpath:db/quota, schema " + empty + ")");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void aSchemaNameThatIsNoIdentifierIsBadUsage() {
    CliJar.Result result = db.cli().run("--schema", "quota; drop table x", "migrate");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).startsWith("quota migrate: schema must be 1 to 63 ASCII letters, digits and underscores");
  }
}
