package dev.tokenledger.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An RFC 9457 problem detail, the body of every error response ({@code application/problem+json}). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

  /** One field that was wrong, and why, with the value that was given. */
  public record FieldError(String field, String message) {}

  public static Problem of(int status, String title, String detail) {
    return new Problem("about:blank", title, status, detail, List.of());
  }

  public static Problem invalid(String detail, List<FieldError> errors) {
    return new Problem("about:blank", "Invalid request", 400, detail, List.copyOf(errors));
  }

  public static Problem invalidField(String field, String message) {
    return invalid(field + " " + message, List.of(new FieldError(field, message)));
  }
}
