package consumer.jooqinternal;

import dev.quota.jooq.internal.Migrations;
import dev.quota.jooq.internal.generated.Tables;

public final class UsesJooqInternals {
  private UsesJooqInternals() {}

  public static String scripts() {
    return Migrations.LOCATION + " " + Tables.COUNTER.getName();
  }
}
