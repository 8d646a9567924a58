/** The console's templates, compiled here at build time from {@code src/main/jte}; opened to the engine. */
@NullMarked
package dev.quota.admin.web.internal.jte;

import org.jspecify.annotations.NullMarked;
