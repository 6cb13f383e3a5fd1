package dev.tokenledger.runtime;

import java.util.Map;

/** Thrown by a handler to answer with a problem; the HTTP server renders it. */
public final class ProblemException extends RuntimeException {

  private final Problem problem;
  private final Map<String, String> headers;

  public ProblemException(Problem problem) {
    this(problem, Map.of());
  }

  public ProblemException(Problem problem, Map<String, String> headers) {
    super(problem.detail());
    this.problem = problem;
    this.headers = Map.copyOf(headers);
  }

  public static ProblemException badRequest(String field, String message) {
    return new ProblemException(Problem.invalidField(field, message));
  }

  public static ProblemException notFound(String detail) {
    return new ProblemException(Problem.of(404, "Not found", detail));
  }

  public static ProblemException unavailable(String detail, int retryAfterSeconds) {
    return new ProblemException(Problem.of(503, "Unavailable", detail),
        Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
  }

  public Problem problem() {
    return problem;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
