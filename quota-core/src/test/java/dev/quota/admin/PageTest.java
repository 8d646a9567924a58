package dev.quota.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageTest {
  private static final List<String> ALL = List.of("a", "b", "c", "d", "e");

  @Test
  void firstPageStartsAtOffsetZero() {
    assertThat(PageRequest.first(20)).isEqualTo(new PageRequest(0, 20));
  }

  @Test
  void nextPageStartsAfterThisOne() {
    assertThat(new PageRequest(40, 20).next()).isEqualTo(new PageRequest(60, 20));
  }

  @Test
  void negativeOffsetIsRejected() {
    assertThatThrownBy(() -> new PageRequest(-1, 10))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("offset");
          assertThat(e.rule()).isEqualTo("must not be negative, was -1");
        });
  }

  @Test
  void pageSizeOfZeroIsRejected() {
    assertThatThrownBy(() -> PageRequest.first(0))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("size");
          assertThat(e.rule()).isEqualTo("must be between 1 and 1000, was 0");
        });
  }

  @Test
  void pageSizeAbove1000IsRejected() {
    assertThatThrownBy(() -> PageRequest.first(1001))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
          assertThat(e.field()).isEqualTo("size");
          assertThat(e.rule()).isEqualTo("must be between 1 and 1000, was 1001");
        });
  }

  @Test
  void pageSizeOf1000IsAccepted() {
    assertThat(PageRequest.first(1000).size()).isEqualTo(1000);
  }

  @Test
  void pageCutsTheRequestedSlice() {
    Page<String> page = Page.of(ALL, new PageRequest(1, 2));

    assertThat(page.items()).containsExactly("b", "c");
    assertThat(page.hasMore()).isTrue();
    assertThat(page.request()).isEqualTo(new PageRequest(1, 2));
  }

  @Test
  void pageEndingExactlyAtTheLastItemHasNoMore() {
    Page<String> page = Page.of(ALL, new PageRequest(3, 2));

    assertThat(page.items()).containsExactly("d", "e");
    assertThat(page.hasMore()).isFalse();
  }

  @Test
  void pageRunningPastTheEndIsShort() {
    Page<String> page = Page.of(ALL, new PageRequest(4, 10));

    assertThat(page.items()).containsExactly("e");
    assertThat(page.hasMore()).isFalse();
  }

  @Test
  void pageBeyondTheEndIsEmpty() {
    Page<String> page = Page.of(ALL, new PageRequest(99, 10));

    assertThat(page.items()).isEmpty();
    assertThat(page.hasMore()).isFalse();
  }

  @Test
  void pageOfAnEmptyListIsEmpty() {
    assertThat(Page.of(List.of(), PageRequest.first(10)).items()).isEmpty();
  }

  @Test
  void hugeOffsetPlusSizeDoesNotOverflow() {
    Page<String> page = Page.of(ALL, new PageRequest(Integer.MAX_VALUE - 1, 1000));

    assertThat(page.items()).isEmpty();
    assertThat(page.hasMore()).isFalse();
  }

  @Test
  void pagesWalkTheWholeListOnce() {
    List<String> seen = new ArrayList<>();
    PageRequest request = PageRequest.first(2);
    Page<String> page;
    do {
      page = Page.of(ALL, request);
      seen.addAll(page.items());
      request = request.next();
    } while (page.hasMore());

    assertThat(seen).isEqualTo(ALL);
  }

  @Test
  void pageItemsAreACopy() {
    List<String> source = new ArrayList<>(ALL);
    Page<String> page = Page.of(source, PageRequest.first(10));

    source.set(0, "changed");

    assertThat(page.items()).first().isEqualTo("a");
    assertThatThrownBy(() -> page.items().add("f")).isInstanceOf(UnsupportedOperationException.class);
  }
}
