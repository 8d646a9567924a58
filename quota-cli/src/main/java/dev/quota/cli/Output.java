package dev.quota.cli;

import java.io.PrintStream;
import java.util.function.Supplier;

/** Where a command's result goes: human text, or with {@code --json} one JSON document. */
final class Output {
  private final PrintStream out;
  private final boolean json;

  Output(PrintStream out, boolean json) {
    this.out = out;
    this.json = json;
  }

  /** @return whether {@code --json} was given */
  boolean json() {
    return json;
  }

  /**
   * Prints a result in the form asked for; only the chosen form is computed.
   *
   * @param text the human text
   * @param document the JSON value, see {@link Json}
   */
  void result(Supplier<String> text, Supplier<Object> document) {
    out.println(json ? Json.write(document.get()) : text.get());
    out.flush();
  }

  /**
   * Prints human text now, as a step of a longer command; nothing under {@code --json}, whose document comes at
   * the end.
   *
   * @param text the text
   */
  void progress(String text) {
    if (!json) {
      out.println(text);
      out.flush();
    }
  }
}
