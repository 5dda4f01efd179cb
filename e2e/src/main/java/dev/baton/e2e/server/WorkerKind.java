package dev.baton.e2e.server;

import java.util.Locale;

/** Which server runs as the worker, and under which supervisor. */
public enum WorkerKind {
  /** The sample's JDK {@code HttpServer} under {@code bin/baton} with the agent. */
  JDK("jdk", "JDK HttpServer", true, true),
  /** The sample's Vert.x {@code HttpServer} under {@code bin/baton} with the agent. */
  VERTX("vertx", "Vert.x", true, true),
  /** The Spring Boot sample ({@code spring-sample/}, Spring MVC on Tomcat) under {@code bin/baton} with the agent. */
  SPRING("spring", "Spring Boot", true, true),
  /** A Go {@code net/http} server ({@code bench/go/sleep.go}) under {@code bin/baton}: the cheapest generation, the floor. */
  GO("go", "Go net/http", false, true),
  /** Perl's Starlet (a PSGI app) under Perl's {@code start_server}: the reference. */
  STARLET("starlet", "Starlet", false, false);

  private final String id;
  private final String title;
  private final boolean jvm;
  private final boolean baton;

  WorkerKind(String id, String title, boolean jvm, boolean baton) {
    this.id = id;
    this.title = title;
    this.jvm = jvm;
    this.baton = baton;
  }

  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  /** True for the JVM samples, run with the agent. */
  public boolean jvm() {
    return jvm;
  }

  /** True when {@code bin/baton} supervises it (with its control API); false for Perl's start_server. */
  public boolean baton() {
    return baton;
  }

  public String supervisor() {
    return baton ? "baton" : "start_server";
  }

  public static WorkerKind of(String id) {
    for (WorkerKind kind : values()) {
      if (kind.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown worker '" + id + "' (jdk, vertx, spring, go or starlet)");
  }
}
