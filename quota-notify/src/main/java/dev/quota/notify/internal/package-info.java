/** The channels' implementation details: templates, JSON, header text, address ranges, failure classification. */
@NullMarked
package dev.quota.notify.internal;

import org.jspecify.annotations.NullMarked;
