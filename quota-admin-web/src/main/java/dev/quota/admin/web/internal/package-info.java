/** The console's routing, security checks, pages and JSON: not exported, may change in any release. */
@NullMarked
package dev.quota.admin.web.internal;

import org.jspecify.annotations.NullMarked;
