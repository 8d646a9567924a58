package dev.quota.spring.boot.actuate;

import dev.quota.spi.StoreUnavailableException;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The {@code quota} endpoint over HTTP: its report with 200, a tenant id quota refuses with 400 (by the endpoint),
 * and 503 with the reason while quota's store cannot serve, instead of a 500 with a stack trace. The guard logs the
 * outage once, when it starts; this extension does not log it again.
 */
@EndpointWebExtension(endpoint = QuotaEndpoint.class)
public class QuotaEndpointWebExtension {
  private final QuotaEndpoint endpoint;

  /**
   * Creates the extension.
   *
   * @param endpoint the endpoint it answers for
   */
  public QuotaEndpointWebExtension(QuotaEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * Reports one tenant's standing on every meter, as {@link QuotaEndpoint#usage} does.
   *
   * @param tenant the tenant id, as path segments
   * @return 200 with {@link QuotaEndpoint.TenantUsage}, or 503 with {@link Unavailable}
   */
  @ReadOperation
  public WebEndpointResponse<Object> usage(@Selector(match = Selector.Match.ALL_REMAINING) String[] tenant) {
    try {
      return new WebEndpointResponse<>(endpoint.usage(tenant));
    } catch (StoreUnavailableException e) {
      return new WebEndpointResponse<>(new Unavailable(String.join("/", tenant), Unavailable.ERROR,
          Objects.requireNonNullElse(e.getMessage(), e.toString())), WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
    }
  }

  /**
   * The answer while quota's store cannot serve.
   *
   * @param tenant the tenant asked for
   * @param error always {@value #ERROR}
   * @param message what failed, as the store says (for operators: it may name quota's schema and tables)
   */
  public record Unavailable(String tenant, String error, String message) {
    /** The error of every such answer. */
    public static final String ERROR = "quota's store is unavailable";
  }
}
