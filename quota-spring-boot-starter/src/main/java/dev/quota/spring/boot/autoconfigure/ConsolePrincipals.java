package dev.quota.spring.boot.autoconfigure;

import dev.quota.admin.web.ConsoleRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.csrf.CsrfToken;

/**
 * Copies what the host vouches for into a console request: who is signed in, their roles, and the session's CSRF
 * token. Two ways: Spring Security's, or (without it on the class path) the servlet container's.
 */
interface ConsolePrincipals {
  /**
   * @param request the servlet request
   * @param into the console request being built
   */
  void copy(HttpServletRequest request, ConsoleRequest.Builder into);

  /** @return the Spring Security way; loads its classes, so only when they are on the class path */
  static ConsolePrincipals springSecurity(String viewerRole, String operatorRole) {
    return new SpringSecurity(viewerRole, operatorRole);
  }

  /** @return the servlet container's way: {@code getUserPrincipal} and {@code isUserInRole} */
  static ConsolePrincipals servlet(String viewerRole, String operatorRole) {
    return (request, into) -> {
      Principal principal = request.getUserPrincipal();
      if (principal != null) {
        into.principal(principal.getName(), Stream.of(viewerRole, operatorRole).filter(request::isUserInRole)
            .collect(Collectors.toUnmodifiableSet()));
      }
    };
  }

  /**
   * The principal from Spring Security's {@link Authentication} (anonymous counts as none), its authorities as
   * roles ({@code ROLE_} dropped, so {@code hasRole("operator")} and an authority {@code operator} both work), and
   * the host's CSRF token, which the console's forms carry as {@code _csrf}: Spring Security's CSRF filter checks
   * it before the console is reached (its value differs per request, so the console does not compare it again).
   */
  final class SpringSecurity implements ConsolePrincipals {
    private static final String ROLE_PREFIX = "ROLE_";
    private final String viewerRole;
    private final String operatorRole;

    SpringSecurity(String viewerRole, String operatorRole) {
      this.viewerRole = viewerRole;
      this.operatorRole = operatorRole;
    }

    @Override
    public void copy(HttpServletRequest request, ConsoleRequest.Builder into) {
      Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
      if (authentication != null && authentication.isAuthenticated()
          && !(authentication instanceof AnonymousAuthenticationToken)) {
        Set<String> roles = authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority)
            .filter(a -> a != null)
            .map(a -> a.startsWith(ROLE_PREFIX) ? a.substring(ROLE_PREFIX.length()) : a)
            .filter(a -> a.equals(viewerRole) || a.equals(operatorRole))
            .collect(Collectors.toUnmodifiableSet());
        into.principal(authentication.getName(), roles);
      }
      if (request.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken token
          && token.getParameterName().equals("_csrf")) {
        @Nullable String value = token.getToken();
        if (value != null) {
          into.hostCheckedCsrfToken(value);
        }
      }
    }
  }
}
