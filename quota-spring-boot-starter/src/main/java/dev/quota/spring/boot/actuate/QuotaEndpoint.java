package dev.quota.spring.boot.actuate;

import dev.quota.InvalidRequestException;
import dev.quota.LevelUsage;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.TierCatalogue;
import dev.quota.Window;
import dev.quota.admin.UsageReportView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code quota} actuator endpoint: one tenant's usage report on every meter, as
 * {@link QuotaGuard#usage(TenantId, Meter)} computes it, its parent, and the other counters its decisions rest on
 * ({@link QuotaGuard#usagePath}: its short windows and its ancestors' period and windows). Read-only: balances change
 * only through the audited {@link dev.quota.admin.QuotaAdmin}.
 *
 * <p>Over HTTP, once exposed ({@code management.endpoints.web.exposure.include=quota}):
 * {@code GET /actuator/quota/{tenant}}. Tenant ids that contain {@code /} work too: everything after
 * {@code /actuator/quota/} is the id. A tenant id quota refuses is answered with 400; while quota's store cannot
 * serve (the database unreachable, quota's tables gone), the answer is 503 with the reason
 * ({@link QuotaEndpointWebExtension}), and the outage is logged once by the guard. The report shows a tenant's real
 * usage, also after resets, and the reasons operators gave for its grants: expose it only to operators.
 */
@Endpoint(id = "quota", defaultAccess = Access.READ_ONLY)
public class QuotaEndpoint {
  private final QuotaGuard guard;
  private final TierCatalogue catalogue;

  /**
   * Creates the endpoint.
   *
   * @param guard the guard whose reports it shows
   * @param catalogue the catalogue whose meters it reports on
   */
  public QuotaEndpoint(QuotaGuard guard, TierCatalogue catalogue) {
    this.guard = guard;
    this.catalogue = catalogue;
  }

  /**
   * Reports one tenant's standing on every meter, the default meter first.
   *
   * @param tenant the tenant id, as path segments
   * @return the report
   */
  @ReadOperation
  public TenantUsage usage(@Selector(match = Selector.Match.ALL_REMAINING) String[] tenant) {
    try {
      TenantId id = TenantId.of(String.join("/", tenant));
      List<Meter> ordered = new ArrayList<>();
      ordered.add(catalogue.defaultMeter());
      for (Meter meter : catalogue.meters().keySet()) {
        if (!meter.equals(catalogue.defaultMeter())) {
          ordered.add(meter);
        }
      }
      List<UsageReportView> meters = new ArrayList<>();
      List<LevelView> levels = new ArrayList<>();
      @Nullable String parent = null;
      for (Meter meter : ordered) {
        meters.add(UsageReportView.of(guard.usage(id, meter)));
        // one more read per meter; for a tenant without a parent and a meter without windows the path is the
        // tenant's own period alone, which the report above already shows
        for (LevelUsage level : guard.usagePath(id, meter)) {
          if (level.levelsUp() == 1) {
            parent = level.level().value();
          }
          if (level.levelsUp() > 0 || level.window() != Window.PERIOD) {
            levels.add(new LevelView(level.level().value(), level.levelsUp(),
                level.window().name().toLowerCase(Locale.ROOT), UsageReportView.of(level.report())));
          }
        }
      }
      return new TenantUsage(id.value(), meters, parent, levels);
    } catch (InvalidRequestException e) {
      // a tenant id quota refuses, as text or as the id type of a host tier table: the caller's input, a 400.
      // An InvalidRequestException always has its message: the field and the rule
      String message = Objects.requireNonNull(e.getMessage());
      throw new InvalidEndpointRequestException(message, message);
    }
  }

  /**
   * A tenant's standing.
   *
   * @param tenant the tenant id
   * @param meters the standing on each meter, the default meter first, in the one shape every tool of quota shows a
   *     usage report in ({@link UsageReportView}: the same fields as the {@code quota} command's {@code --json})
   * @param parent the tenant's parent ({@link dev.quota.admin.QuotaAdmin#setParent}); {@code null} without one
   * @param levels every other counter a decision on the tenant rests on, meter by meter in the order of
   *     {@code meters}: the tenant's short windows, then its parent's period and windows, and so on up to the root;
   *     empty for a tenant without a parent on meters without windows
   */
  public record TenantUsage(String tenant, List<UsageReportView> meters, @Nullable String parent,
      List<LevelView> levels) {}

  /**
   * One counter of the tenant's path.
   *
   * @param level the tenant or ancestor whose counter it is
   * @param levelsUp how far above the tenant that level is: 0 for the tenant itself, 1 for its parent, and so on
   * @param window {@code minute}, {@code hour}, {@code day} or {@code period}
   * @param report the level's standing in that window; for a short window its limit is the level's tier's limit in
   *     the window, its period the window's bounds, and it has no grants or credits. A level's usage includes its
   *     descendants'
   */
  public record LevelView(String level, int levelsUp, String window, UsageReportView report) {}
}
