package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.generated.Tables.SERVICE_RECORD;

import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.max;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.val;

import dev.quota.admin.Actor;
import dev.quota.jooq.internal.generated.tables.records.ServiceRecordRecord;
import dev.quota.spi.StoredServiceConfiguration;
import java.util.Optional;
import org.jooq.Field;

/**
 * The versions of the service's recorded configuration: read the latest, append the next. The primary key on the
 * version makes the append conditional without a lock: of two instances writing the same next version, one
 * inserts and the other finds it there.
 */
public final class ServiceRecords {
  private final Db db;

  /** @param db the statements' runner */
  public ServiceRecords(Db db) {
    this.db = db;
  }

  /** @return the version with the highest number, if any */
  public Optional<StoredServiceConfiguration> latest() {
    return db.read(dsl -> dsl.selectFrom(SERVICE_RECORD).orderBy(SERVICE_RECORD.VERSION.desc()).limit(1)
        .fetchOptional().map(ServiceRecords::stored));
  }

  /**
   * Appends a version if it is the next one.
   *
   * @param next the version
   * @return whether it was written
   */
  public boolean append(StoredServiceConfiguration next) {
    Field<Long> latest = coalesce(select(max(SERVICE_RECORD.VERSION)).from(SERVICE_RECORD).<Long>asField(), val(0L));
    return db.read(dsl -> dsl.insertInto(SERVICE_RECORD, SERVICE_RECORD.VERSION, SERVICE_RECORD.WRITTEN_AT,
            SERVICE_RECORD.SERVICE, SERVICE_RECORD.SERVICE_VERSION, SERVICE_RECORD.ACTOR, SERVICE_RECORD.REASON,
            SERVICE_RECORD.CONTENT)
        .select(select(val(next.version(), SERVICE_RECORD.VERSION), val(next.writtenAt(), SERVICE_RECORD.WRITTEN_AT),
            val(next.service(), SERVICE_RECORD.SERVICE), val(next.serviceVersion(), SERVICE_RECORD.SERVICE_VERSION),
            val(next.actor().id(), SERVICE_RECORD.ACTOR), val(next.reason(), SERVICE_RECORD.REASON),
            val(next.content(), SERVICE_RECORD.CONTENT))
            // the next version only: 1 on an empty table, else one more than the latest; two instances inserting
            // the same version at once collide on the primary key, and the second inserts nothing
            .where(latest.eq(next.version() - 1)))
        .onConflictDoNothing()
        .execute()) == 1;
  }

  private static StoredServiceConfiguration stored(ServiceRecordRecord r) {
    return new StoredServiceConfiguration(r.getVersion(), r.getWrittenAt(), r.getService(), r.getServiceVersion(),
        Actor.of(r.getActor()), r.getReason(), r.getContent());
  }
}
