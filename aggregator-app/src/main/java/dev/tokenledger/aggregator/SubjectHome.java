package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Where a subject's buckets live: the stores of the fold that keeps them, and the key Kafka
 * Streams partitions those stores by. A user's and a user × model's buckets are in the task of
 * the user's partition of {@code tokens.consumed} (keyed by userId); a shared subject's in its
 * own task after the repartition (keyed by the subject).
 *
 * @param entries the store of the subjects' latest windows ({@link SubjectBuckets})
 * @param history the store of older buckets ({@link BucketKey})
 * @param routingKey the key whose partition holds the subject
 */
record SubjectHome(String entries, String history, String routingKey) {

  /** A subject's home and the partition of it this instance holds. */
  record Local(SubjectHome home, int partition) {}

  /**
   * The local partition holding the subject, or empty after the request was forwarded to the
   * instance that holds it. A user × model query may name the user ({@code user}) when the
   * userId itself holds a {@code /}.
   */
  static Optional<Local> localOrForward(Context ctx, InstanceRouter router, Subject subject) {
    SubjectHome home = of(subject, Optional.ofNullable(ctx.queryParam("user")));
    InstanceRouter.Route route = router.route(home.entries(), home.routingKey(), ctx);
    if (route.owner().isPresent()) {
      router.forward(route.owner().get(), ctx);
      return Optional.empty();
    }
    return Optional.of(new Local(home, route.localPartition().orElseThrow()));
  }

  static SubjectHome of(Subject subject, Optional<String> user) {
    return switch (subject.dimension()) {
      case USER -> new SubjectHome(UserSubjectsProcessor.BUCKETS, UserSubjectsProcessor.HISTORY, subject.key());
      case USER_MODEL -> new SubjectHome(UserSubjectsProcessor.BUCKETS, UserSubjectsProcessor.HISTORY,
          user.orElseGet(() -> userOf(subject.key())));
      default -> new SubjectHome(SharedSubjectsProcessor.BUCKETS, SharedSubjectsProcessor.HISTORY, subject.toString());
    };
  }

  /** The stores of a dimension's subjects, for queries across keys (no routing key: every partition is asked). */
  static SubjectHome of(Dimension dimension) {
    return of(new Subject(dimension, dimension == Dimension.ALL ? Subject.ALL_KEY : "_"), Optional.of("_"));
  }

  /**
   * A user × model key is {@code user/provider/model}; the user is taken as what comes before the
   * first {@code /}. A userId that holds a {@code /} itself is told apart by the query's {@code
   * user} parameter.
   */
  private static String userOf(String userModelKey) {
    int slash = userModelKey.indexOf('/');
    return slash <= 0 ? userModelKey : userModelKey.substring(0, slash);
  }
}
