package dev.baton.e2e.server;

import java.util.Locale;

/** Which server runs as the worker, and under which supervisor. */
public enum WorkerKind {
  /** The sample's JDK {@code HttpServer} under {@code bin/baton} with the agent. */
  JDK("jdk", "JDK HttpServer", true),
  /** The sample's Vert.x {@code HttpServer} under {@code bin/baton} with the agent. */
  VERTX("vertx", "Vert.x", true),
  /** Perl's Starlet (a PSGI app) under Perl's {@code start_server}: the reference. */
  STARLET("starlet", "Starlet", false);

  private final String id;
  private final String title;
  private final boolean jvm;

  WorkerKind(String id, String title, boolean jvm) {
    this.id = id;
    this.title = title;
    this.jvm = jvm;
  }

  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  /** True for the sample JVMs run by baton; false for Perl's start_server + Starlet. */
  public boolean jvm() {
    return jvm;
  }

  public String supervisor() {
    return jvm ? "baton" : "start_server";
  }

  public static WorkerKind of(String id) {
    for (WorkerKind kind : values()) {
      if (kind.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown worker '" + id + "' (jdk, vertx or starlet)");
  }
}
