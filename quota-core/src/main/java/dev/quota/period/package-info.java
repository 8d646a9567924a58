/**
 * How time is cut into the periods over which usage is summed: {@link dev.quota.period.PeriodPolicy} and its
 * built-in calendar-month, calendar-day and fixed-length policies.
 *
 * <p>Every type in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.quota.period;

import org.jspecify.annotations.NullMarked;
