package dev.tokenledger.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.event.HandlerMetaInfo;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.security.RouteRole;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of every app: {@code /health}, {@code /ready}, {@code /metrics}, the app's OpenAPI
 * document at {@code /openapi.json}, API-key checks by route role, and every error as {@code
 * application/problem+json}, never a stack trace. The app adds its own routes; a route without
 * roles needs no key.
 */
public final class HttpServer implements AutoCloseable {

  public static final String PROBLEM_JSON = "application/problem+json";
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
  private static final String PRINCIPAL = "tokenledger.principal";
  private static final String PROBLEM_WRITTEN = "tokenledger.problem";

  /**
   * How to start the server.
   *
   * @param keys the accepted API keys, or empty to run without authentication
   * @param notReadyReason empty when the app can serve, else why not (shown on {@code /ready})
   * @param liveness once failed, {@code /health} answers 503 with the reason
   * @param staticFiles classpath folders served without a key, by the path they are served at
   * @param openApiDocument the classpath resource of the app's OpenAPI document, served at {@code /openapi.json}
   * @param readyDetails more of the app's state shown on {@code /ready}, which does not decide readiness
   */
  public record Options(
      String host,
      int port,
      Optional<ApiKeys> keys,
      PrometheusMeterRegistry registry,
      Supplier<Optional<String>> notReadyReason,
      Liveness liveness,
      long maxRequestBytes,
      Map<String, String> staticFiles,
      String openApiDocument,
      Supplier<Map<String, Object>> readyDetails) {}

  /**
   * A route the server answers (static files aside), as an OpenAPI document names it: the path with
   * every parameter as {@code {name}} (Javalin's {@code <name>}, which may span slashes, too), and
   * the roles that may call it, lower-case (empty: no key needed).
   */
  public record Route(String method, String path, Set<String> roles) {}

  private final Javalin app;
  private final List<Route> routes;

  private HttpServer(Javalin app, List<Route> routes) {
    this.app = app;
    this.routes = List.copyOf(routes);
  }

  public static HttpServer start(Options options, Consumer<Javalin> routes) {
    ObjectMapper mapper = Json.newMapper();
    byte[] openApi = resource(options.openApiDocument());
    List<Route> served = new ArrayList<>();
    Javalin app = Javalin.create(config -> {
      config.events(events -> events.handlerAdded(handler -> {
        if (handler.getHttpMethod().isHttpMethod()) {
          served.add(route(handler));
        }
      }));
      config.showJavalinBanner = false;
      config.startupWatcherEnabled = false;
      config.useVirtualThreads = false;
      config.jsonMapper(new JavalinJackson(mapper, false));
      config.http.maxRequestSize = options.maxRequestBytes();
      config.bundledPlugins.enableCors(cors -> cors.addRule(rule -> rule.anyHost()));
      options.staticFiles().forEach((hostedPath, classpathFolder) -> config.staticFiles.add(files -> {
        files.hostedPath = hostedPath;
        files.directory = classpathFolder;
        files.location = Location.CLASSPATH;
      }));
    });

    app.beforeMatched(ctx -> authorize(ctx, options.keys()));
    app.before(ctx -> ctx.attribute("tokenledger.started", System.nanoTime()));
    app.after(ctx -> recordRequest(ctx, options.registry()));

    app.get("/health", ctx -> {
      Optional<String> failure = options.liveness().failure();
      if (failure.isPresent()) {
        ctx.status(503).json(Map.of("status", "down", "detail", failure.get()));
      } else {
        ctx.json(Map.of("status", "up"));
      }
    });
    app.get("/ready", ctx -> {
      Optional<String> reason = options.notReadyReason().get();
      Map<String, Object> json = new java.util.LinkedHashMap<>();
      json.put("status", reason.isPresent() ? "not ready" : "ready");
      reason.ifPresent(detail -> json.put("detail", detail));
      json.putAll(options.readyDetails().get());
      if (reason.isPresent()) {
        ctx.status(503).header("Retry-After", "2");
      }
      ctx.json(json);
    });
    app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(options.registry().scrape()));
    app.get("/openapi.json", ctx -> ctx.contentType(ContentType.APPLICATION_JSON).result(openApi));

    routes.accept(app);

    app.exception(ProblemException.class, (e, ctx) -> {
      e.headers().forEach(ctx::header);
      writeProblem(ctx, e.problem());
    });
    app.exception(HttpResponseException.class, (e, ctx) ->
        writeProblem(ctx, Problem.of(e.getStatus(), titleOf(e.getStatus()), e.getMessage())));
    app.exception(Exception.class, (e, ctx) -> {
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
      writeProblem(ctx, Problem.of(500, "Internal error",
          "the request failed inside the server; the log has the details"));
    });
    app.error(404, ctx -> {
      if (ctx.attribute(PROBLEM_WRITTEN) == null) {
        writeProblem(ctx, Problem.of(404, "Not found", "no endpoint " + ctx.method() + " " + ctx.path()));
      }
    });
    app.error(405, ctx -> {
      if (ctx.attribute(PROBLEM_WRITTEN) == null) {
        writeProblem(ctx, Problem.of(405, "Method not allowed", ctx.method() + " is not allowed on " + ctx.path()));
      }
    });

    app.start(options.host(), options.port());
    return new HttpServer(app, served);
  }

  /** Every route the app serves, in the order they were added. */
  public List<Route> routes() {
    return routes;
  }

  /** The key's owner, when the route required a key and authentication is on. */
  public static Optional<ApiKeys.Principal> principal(Context ctx) {
    return Optional.ofNullable(ctx.attribute(PRINCIPAL));
  }

  public static void writeProblem(Context ctx, Problem problem) {
    ctx.attribute(PROBLEM_WRITTEN, Boolean.TRUE);
    ctx.status(problem.status()).json(problem).contentType(PROBLEM_JSON);
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }

  private static Route route(HandlerMetaInfo handler) {
    Set<String> roles = handler.getRoles().stream().map(role -> role.toString().toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
    return new Route(handler.getHttpMethod().name(), handler.getPath().replaceAll("<([^>]+)>", "{$1}"), roles);
  }

  private static byte[] resource(String name) {
    try (InputStream in = HttpServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no OpenAPI document on the classpath at " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name, e);
    }
  }

  private static void authorize(Context ctx, Optional<ApiKeys> keys) {
    Set<RouteRole> required = ctx.routeRoles();
    if (required.isEmpty() || keys.isEmpty()) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ProblemException(Problem.of(401, "Unauthorized",
          "send an API key as 'Authorization: Bearer <key>'"));
    }
    ApiKeys.Principal principal = keys.get().authenticate(header.substring(7).trim())
        .orElseThrow(() -> {
          ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
          return new ProblemException(Problem.of(401, "Unauthorized", "the API key is not known"));
        });
    boolean allowed = required.stream().anyMatch(role -> principal.role().grants((Role) role));
    if (!allowed) {
      String needed = required.stream().map(r -> ((Role) r).name().toLowerCase())
          .sorted().collect(Collectors.joining(" or "));
      throw new ProblemException(Problem.of(403, "Forbidden",
          "this endpoint needs a key with the role " + needed + "; the key '" + principal.name() + "' has the role "
              + principal.role().name().toLowerCase()));
    }
    ctx.attribute(PRINCIPAL, principal);
  }

  private static void recordRequest(Context ctx, PrometheusMeterRegistry registry) {
    Long started = ctx.attribute("tokenledger.started");
    if (started == null) {
      return;
    }
    String route = ctx.endpointHandlerPath();
    Timer.builder("http.server.requests")
        .tags(List.of(
            io.micrometer.core.instrument.Tag.of("method", ctx.method().name()),
            io.micrometer.core.instrument.Tag.of("route", route == null || route.isEmpty() ? "unmatched" : route),
            io.micrometer.core.instrument.Tag.of("status", Integer.toString(ctx.statusCode())),
            // in: asked by another instance; out: this instance asked the owner; no: answered here.
            io.micrometer.core.instrument.Tag.of("forwarded", ctx.header(InstanceRouter.FORWARDED_HEADER) != null ? "in"
                : Boolean.TRUE.equals(ctx.attribute(InstanceRouter.FORWARDED_OUT)) ? "out" : "no")))
        .register(registry)
        .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private static String titleOf(int status) {
    return switch (status) {
      case 400 -> "Invalid request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not found";
      case 413 -> "Content too large";
      case 415 -> "Unsupported media type";
      case 503 -> "Unavailable";
      default -> "HTTP " + status;
    };
  }
}
