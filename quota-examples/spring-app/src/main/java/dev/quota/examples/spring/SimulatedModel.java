package dev.quota.examples.spring;

import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Stands in for a language model: answers at once and spends 300 tokens per word of the prompt, at most the
 * caller's maximum, so that the example runs anywhere and its token counts are predictable.
 */
@Component
public class SimulatedModel {
  /** Tokens the simulated model spends per word of prompt. */
  public static final int TOKENS_PER_WORD = 300;

  /**
   * An answer.
   *
   * @param callId the call's id, the usage key its tokens are recorded under
   * @param text the plan
   * @param tokensUsed the tokens the call spent
   */
  public record Answer(String callId, String text, long tokensUsed) {}

  /**
   * Plans.
   *
   * @param prompt what to plan
   * @param maxTokens the most tokens the call may spend
   * @return the answer
   */
  public Answer complete(String prompt, long maxTokens) {
    long words = prompt.isBlank() ? 0 : prompt.strip().split("\\s+").length;
    long tokens = Math.max(1, Math.min(maxTokens, words * TOKENS_PER_WORD));
    return new Answer(UUID.randomUUID().toString(), "1. Read the brief. 2. Draft. 3. Review: " + words + " words planned.",
        tokens);
  }
}
