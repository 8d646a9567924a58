// A user's module that reaches into quota-jooq's internals and its generated jOOQ code: must not compile.
module consumer.jooqinternal {
  requires dev.quota.jooq;
}
