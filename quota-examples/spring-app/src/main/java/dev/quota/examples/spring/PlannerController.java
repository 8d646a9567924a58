package dev.quota.examples.spring;

import dev.quota.Decision;
import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.Actor;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.QuotaAdmin;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spring.boot.UsagePage;
import dev.quota.Quota;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The planner's API: an AI call guarded by quota, and the tenant's usage page. */
@RestController
@RequestMapping("/tenants/{tenant}")
public class PlannerController {
  /** How long a hold may outlive a model call that never returns. */
  private static final Duration HOLD = Duration.ofMinutes(2);
  /** The tokens of a top-up pack: given once, drawn on beyond the month's limit. */
  static final long TOP_UP_PACK = 50_000;
  /** How long a top-up pack can be drawn on. */
  static final Duration TOP_UP_VALIDITY = Duration.ofDays(90);
  /** Who gives top-up packs, in the audit log. */
  private static final Actor BILLING = Actor.of("billing");

  private final QuotaGuard guard;
  private final QuotaAdmin admin;
  private final Clock clock;
  private final SimulatedModel model;

  /**
   * Creates the controller.
   *
   * @param guard quota's guard, auto-configured by the starter
   * @param quota quota, auto-configured by the starter: its admin gives top-up packs, on its clock
   * @param model the model
   */
  public PlannerController(QuotaGuard guard, Quota quota, SimulatedModel model) {
    this.guard = guard;
    this.admin = quota.admin();
    this.clock = quota.clock();
    this.model = model;
  }

  /**
   * An order of a top-up pack.
   *
   * @param order the billing system's order id, for the audit log
   */
  public record TopUpRequest(String order) {}

  /**
   * A top-up pack, as given.
   *
   * @param credit the one-time credit's id, for a refund ({@code QuotaAdmin.revoke})
   * @param tokens the tokens it gives in total
   * @param validUntil when what is left of it expires
   * @param remaining the tenant's tokens left this period, the pack included
   */
  public record TopUpResponse(String credit, long tokens, Instant validUntil, long remaining) {}

  /**
   * A plan request.
   *
   * @param prompt what to plan
   * @param maxTokens the most tokens the call may spend: held before the call, the real count recorded after
   */
  public record PlanRequest(String prompt, long maxTokens) {}

  /**
   * A plan.
   *
   * @param plan the model's answer
   * @param tokensUsed the tokens it spent
   * @param remaining the tenant's tokens left this period
   */
  public record PlanResponse(String plan, long tokensUsed, long remaining) {}

  /**
   * Why a call was refused.
   *
   * @param reason quota's reason, such as {@code INSUFFICIENT_BALANCE} (429) or {@code STORE_UNAVAILABLE} (503)
   * @param remaining the tenant's tokens left this period (0 when unknown)
   * @param resetsAt when the period ends, if known
   */
  public record Refusal(String reason, long remaining, @Nullable Instant resetsAt) {}

  /**
   * Runs one AI call: holds {@code maxTokens}, calls the model, records what it really spent. 429 when the
   * tenant's balance does not cover the hold, 503 when quota's database cannot be reached (the failure policy
   * denied).
   *
   * @param tenant the tenant
   * @param request the request
   * @return the plan, or the refusal
   */
  @PostMapping("/plans")
  public ResponseEntity<?> plan(@PathVariable String tenant, @RequestBody PlanRequest request) {
    TenantId id = TenantId.of(tenant);
    if (request.prompt() == null) {
      throw new InvalidRequestException("prompt", "must be given");
    }
    ReserveResult hold = guard.reserve(id, Meter.AI_TOKENS, request.maxTokens(), HOLD);
    if (!hold.granted()) {
      Decision decision = hold.decision();
      HttpStatus status = decision.reason() == Decision.Reason.STORE_UNAVAILABLE
          ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.TOO_MANY_REQUESTS;
      Instant resetsAt = decision.report().map(UsageReport::resetsAt).orElse(null);
      return ResponseEntity.status(status).body(new Refusal(decision.reason().name(), decision.remaining(), resetsAt));
    }
    Reservation reservation = hold.reservation();
    SimulatedModel.Answer answer;
    try {
      answer = model.complete(request.prompt(), request.maxTokens());
    } catch (RuntimeException e) {
      reservation.release(); // nothing was spent: give the hold back at once rather than at its expiry
      throw e;
    }
    reservation.commit(answer.tokensUsed(), UsageKey.of(answer.callId()));
    return ResponseEntity.ok(new PlanResponse(answer.text(), answer.tokensUsed(), guard.usage(id).remaining()));
  }

  /**
   * Sells a top-up pack: a one-time credit of {@link #TOP_UP_PACK} tokens, valid {@link #TOP_UP_VALIDITY}, drawn on only
   * beyond the month's limit and not given again next month. What a blocked planner (a 429) buys to go on. In a real
   * service the billing system calls this once the payment went through, authenticated; the example leaves it open,
   * like the planner's other calls.
   *
   * @param tenant the tenant
   * @param request the order
   * @return the pack
   */
  @PostMapping("/top-ups")
  public ResponseEntity<TopUpResponse> buyTopUp(@PathVariable String tenant, @RequestBody TopUpRequest request) {
    TenantId id = TenantId.of(tenant);
    if (request.order() == null || request.order().isBlank()) {
      throw new InvalidRequestException("order", "must be given");
    }
    Instant now = clock.instant();
    // accepting new tenants: a tenant of the default tier may buy a pack before its first call
    OneTimeCredit credit = admin.acceptingNewTenants().grantOneTimeCredit(id, Meter.AI_TOKENS, TOP_UP_PACK, now,
        now.plus(TOP_UP_VALIDITY), BILLING, "order " + request.order() + ": top-up pack of " + TOP_UP_PACK + " ai-tokens");
    return ResponseEntity.status(HttpStatus.CREATED).body(new TopUpResponse(credit.id().toString(), credit.amount(),
        credit.validUntil(), guard.usage(id).remaining()));
  }

  /**
   * The tenant's usage page: what {@code /subscriptions/usage} shows, counted since the last reset (an operator's
   * reset shows as nothing used; operators see the real usage at {@code /actuator/quota/{tenant}}).
   *
   * @param tenant the tenant
   * @return the usage, in quota's one shape for a tenant's usage endpoint
   */
  @GetMapping("/usage")
  public UsagePage usage(@PathVariable String tenant) {
    return UsagePage.of(guard.usage(TenantId.of(tenant)));
  }

  /**
   * Bad input, as quota names it.
   *
   * @param e the refusal
   * @return 400 with the field and the rule
   */
  @ExceptionHandler(InvalidRequestException.class)
  public ResponseEntity<String> badRequest(InvalidRequestException e) {
    return ResponseEntity.badRequest().body(e.getMessage());
  }

  /**
   * quota's database cannot serve (the guard's failure policy already decided the calls it could, and logged the
   * outage once): the usage page, or a commit after the model call, cannot be answered now.
   *
   * @param e the failure
   * @return 503 with the reason, as a denied call under the deny policy gets it
   */
  @ExceptionHandler(StoreUnavailableException.class)
  public ResponseEntity<Refusal> storeUnavailable(StoreUnavailableException e) {
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(new Refusal(Decision.Reason.STORE_UNAVAILABLE.name(), 0, null));
  }
}
