package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.support.SimpleStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A quota instance closes the store it owns, once, unless told to leave it open. */
class QuotaCloseTest {
  private final AtomicInteger closes = new AtomicInteger();

  /**
   * A store that is {@link AutoCloseable}, as quota-jooq's is: counts its closes, and passes every other call on
   * to a {@link SimpleStore}.
   */
  private QuotaStore closeableStore(Exception failure) {
    QuotaStore store = new SimpleStore();
    return (QuotaStore) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {QuotaStore.class, AutoCloseable.class}, (proxy, method, args) -> {
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            closes.incrementAndGet();
            if (failure != null) {
              throw failure;
            }
            return null;
          }
          try {
            return method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void closingTheInstanceClosesItsStore() {
    QuotaStore store = closeableStore(null);
    try (Quota quota = Quota.builder().store(store).build()) {
      assertThat(quota.guard().canProceed(TenantId.of("acme"))).isTrue();
      assertThat(closes).as("open while in use").hasValue(0);
    }

    assertThat(closes).hasValue(1);
  }

  @Test
  void closingTwiceClosesTheStoreOnce() {
    Quota quota = Quota.builder().store(closeableStore(null)).build();

    quota.close();
    quota.close();

    assertThat(closes).hasValue(1);
  }

  @Test
  void aStoreSharedByInstancesThatLeaveItOpenIsClosedByNone() {
    QuotaStore shared = closeableStore(null);
    Quota first = Quota.builder().store(shared).leaveStoreOpen().build();
    Quota second = Quota.builder().store(shared).leaveStoreOpen().build();

    first.close();
    second.close();

    assertThat(closes).hasValue(0);
  }

  @Test
  void aStoreThatCannotBeClosedIsLeftAlone() {
    Quota quota = Quota.builder().store(new SimpleStore()).build();

    assertThatCode(quota::close).doesNotThrowAnyException();
  }

  @Test
  void aStoreThatFailsToCloseIsReportedAndNotClosedAgain() {
    IOException failure = new IOException("socket already gone");
    Quota quota = Quota.builder().store(closeableStore(failure)).build();

    assertThatThrownBy(quota::close).isInstanceOf(StoreUnavailableException.class).hasCause(failure);
    assertThatCode(quota::close).doesNotThrowAnyException();
    assertThat(closes).hasValue(1);
  }

  @Test
  void aRuntimeExceptionFromTheStoresCloseIsPassedOnAsItIs() {
    IllegalStateException failure = new IllegalStateException("closed by someone else");
    Quota quota = Quota.builder().store(closeableStore(failure)).build();

    assertThatThrownBy(quota::close).isSameAs(failure);
  }
}
