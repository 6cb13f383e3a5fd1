package dev.tokenledger.runtime;

import io.javalin.security.RouteRole;

/** What an API key may do. ADMIN implies READ; PUBLISH is only for posting events. */
public enum Role implements RouteRole {
  PUBLISH,
  READ,
  ADMIN;

  public boolean grants(Role required) {
    return this == required || (this == ADMIN && required == READ);
  }
}
