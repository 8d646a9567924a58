package dev.quota.reliability;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class JqwikSmokeProperties {
  @Property(tries = 10)
  boolean runs(@ForAll int x) {
    System.out.println("jqwik try " + x);
    return true;
  }
}
