package dev.tokenledger.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The repository's Dockerfile as far as the tests read it: stages, their instructions
 * (continuation lines joined, comments dropped), what they inherit from the stage they are built
 * on, and the commands they run with the image's files mapped to the ones Maven built.
 */
record Dockerfile(Path root, Map<String, List<String>> stageInstructions, Map<String, String> bases,
    Map<String, String> args) {

  private static final Pattern FROM = Pattern.compile("FROM (\\S+) AS (\\S+)");
  private static final Pattern ENV_PAIR = Pattern.compile("(\\w+)=(\\S+)");
  private static final Pattern COPY_FROM_JARS = Pattern.compile("COPY --from=jars /src/(\\S+) (\\S+)");
  private static final Pattern COPY = Pattern.compile("COPY (\\S+) (\\S+)");

  static Dockerfile read(Path root) throws IOException {
    String joined = Files.readAllLines(root.resolve("Dockerfile")).stream().filter(line -> !line.startsWith("#"))
        .collect(Collectors.joining("\n")).replaceAll("\\\\\n\\s*", " ");
    Map<String, List<String>> stages = new LinkedHashMap<>();
    Map<String, String> bases = new HashMap<>();
    Map<String, String> args = new HashMap<>();
    List<String> current = null;
    for (String line : joined.split("\n")) {
      String instruction = line.trim().replaceAll("\\s+", " ");
      Matcher from = FROM.matcher(instruction);
      if (from.matches()) {
        current = new ArrayList<>();
        stages.put(from.group(2), current);
        bases.put(from.group(2), from.group(1));
      } else if (instruction.startsWith("ARG ") && instruction.contains("=")) {
        String[] arg = instruction.substring(4).split("=", 2);
        args.put(arg[0], arg[1]);
      } else if (current != null && !instruction.isEmpty()) {
        current.add(instruction);
      }
    }
    return new Dockerfile(root, stages, bases, args);
  }

  Set<String> stages() {
    return stageInstructions.keySet();
  }

  List<String> instructions(String stage) {
    return stageInstructions.getOrDefault(stage, List.of());
  }

  String arg(String name) {
    return args.get(name);
  }

  /** The last {@code instruction} of the stage or, failing that, of the stages it is built on. */
  String effective(String stage, String instruction) {
    for (String current = stage; current != null; current = bases.get(current)) {
      List<String> matching = instructions(current).stream()
          .filter(line -> line.startsWith(instruction + " ")).toList();
      if (!matching.isEmpty()) {
        return matching.get(matching.size() - 1).substring(instruction.length() + 1);
      }
    }
    return "";
  }

  /** The environment a container of the stage starts with, inherited values first. */
  Map<String, String> env(String stage) {
    List<String> chain = new ArrayList<>();
    for (String current = stage; current != null; current = bases.get(current)) {
      chain.add(0, current);
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (String current : chain) {
      for (String line : instructions(current)) {
        if (line.startsWith("ENV ")) {
          Matcher pair = ENV_PAIR.matcher(line.substring(4));
          while (pair.find()) {
            env.put(pair.group(1), pair.group(2));
          }
        }
      }
    }
    return env;
  }

  /** What a stage copies from the jars stage: its path in the build (version filled in) → in the image. */
  Map<String, String> copiedFromJars(String stage) {
    Map<String, String> copied = new LinkedHashMap<>();
    for (String line : instructions(stage)) {
      Matcher copy = COPY_FROM_JARS.matcher(line);
      if (copy.matches()) {
        copied.put(copy.group(1).replace("${VERSION}", arg("VERSION")), copy.group(2));
      }
    }
    return copied;
  }

  /** The paths under /src the {@code local} stage provides from the build context (version filled in). */
  Set<String> providedLocally() {
    return instructions("local").stream().map(COPY::matcher).filter(Matcher::matches).map(copy -> {
      String source = copy.group(1).replace("${VERSION}", arg("VERSION"));
      String target = copy.group(2).replace("/src/", "");
      return target.endsWith("/") ? target + Path.of(source).getFileName() : target;
    }).collect(Collectors.toSet());
  }

  /**
   * The exec-form command of a stage's ENTRYPOINT or HEALTHCHECK, with {@code java} this JVM's
   * and the image's jars the ones Maven built.
   */
  List<String> exec(String stage, String instruction) throws IOException {
    String text = effective(stage, instruction);
    Map<String, String> copied = copiedFromJars(stage);
    List<String> command = new ArrayList<>();
    for (JsonNode argument : new ObjectMapper().readTree(text.substring(text.indexOf('[')))) {
      String local = argument.asText();
      if (local.equals("java")) {
        local = ProcessHandle.current().info().command().orElseThrow();
      }
      for (var copy : copied.entrySet()) {
        local = local.replace(copy.getValue(), root.resolve(copy.getKey()).toString());
      }
      command.add(local);
    }
    return command;
  }

  /** The uid the stage runs as. */
  Optional<String> user(String stage) {
    String user = effective(stage, "USER");
    return user.isEmpty() ? Optional.empty() : Optional.of(user.split(":")[0]);
  }
}
