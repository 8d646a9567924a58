// A user's module that reaches into quota-core's internals: must not compile.
module consumer.internal {
  requires dev.quota.testkit;
}
