package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.AsyncChannelApp;
import dev.baton.agent.samples.ByteBuddyApp;
import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.JettyApp;
import dev.baton.agent.samples.JettyH2cApp;
import dev.baton.agent.samples.Netty41EpollApp;
import dev.baton.agent.samples.NettyApp;
import dev.baton.agent.samples.NettyEpollApp;
import dev.baton.agent.samples.NettyEpollUnixSocketApp;
import dev.baton.agent.samples.NettyIoUringApp;
import dev.baton.agent.samples.NettyIoUringUnixSocketApp;
import dev.baton.agent.samples.PlainServerSocketApp;
import dev.baton.agent.samples.SpringBootApp;
import dev.baton.agent.samples.SpringBootJettyApp;
import dev.baton.agent.samples.SpringBootWebFluxApp;
import dev.baton.agent.samples.SpringBootWebFluxH2cApp;
import dev.baton.agent.samples.TomcatApp;
import dev.baton.agent.samples.TomcatH2cApp;
import dev.baton.agent.samples.UndertowApp;
import dev.baton.agent.samples.UndertowGracefulApp;
import dev.baton.agent.samples.UndertowH2cApp;
import dev.baton.agent.samples.VertxApp;
import dev.baton.agent.samples.VertxEpollApp;
import dev.baton.agent.samples.VertxIoUringApp;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One server the agent supports, as the tests run it: a sample application (its main class takes the port
 * first), the drains the agent must run for it (named as the agent's {@code drained in N ms (<names>)} line
 * names them), the class path and JVM options it needs, and what its own output must show. The per-server
 * test classes ({@code *ServerTest}) pair one of these with each {@link Jdk} and the behaviours it supports.
 */
final class Server {

  static final Server JDK_HTTP_SERVER = new Server(JdkHttpServerApp.class, "JDK HttpServer").jdkOwn();
  /** {@code java.net.ServerSocket}: NioSocketImpl's bind and listen; sets IP_TOS on an inherited AF_INET socket. */
  static final Server PLAIN_SERVER_SOCKET = new Server(PlainServerSocketApp.class, "connections").jdkOwn();
  /** {@code AsynchronousServerSocketChannel} (NIO2, Tomcat NIO2's path): its own bind. */
  static final Server ASYNC_CHANNEL = new Server(AsyncChannelApp.class, "connections").jdkOwn();
  static final Server NETTY = new Server(NettyApp.class, "connections").withNettyAcceptNoise();
  static final Server NETTY_EPOLL = new Server(NettyEpollApp.class, "connections").withNativeTransport()
      .onUnixSocket(NettyEpollUnixSocketApp.class);
  static final Server NETTY_IO_URING = new Server(NettyIoUringApp.class, "connections").withNativeTransport()
      .onClasspath(Workers::classpathWithIoUring).onUnixSocket(NettyIoUringUnixSocketApp.class)
      .reloadShows(transcript -> assertThat(transcript).contains("(IoUringServerSocketChannel)"));
  /** Netty 4.1 beside the test class path's 4.2 (Vert.x's): the worker runs on the jars Maven copies. */
  static final Server NETTY_41_EPOLL = new Server(Netty41EpollApp.class, "connections").withNativeTransport()
      .withUnsafeMemoryAccess()
      .onClasspath(() -> Workers.classpathWithJarsIn(Workers.NETTY41))
      .requires(() -> assumeTrue(Files.isDirectory(Workers.NETTY41),
          Workers.NETTY41 + " missing: run through Maven (process-test-classes copies it)"))
      .reloadShows(transcript -> assertThat(transcript)
          .as("every generation ran on Netty 4.1").contains("netty 4.1.").doesNotContain("netty 4.2."));
  static final Server VERTX = new Server(VertxApp.class, "Vert.x").withNettyAcceptNoise().withNativeTransport()
      .http2(VertxApp.class, "Vert.x", "Netty HTTP/2");
  static final Server VERTX_EPOLL = new Server(VertxEpollApp.class, "Vert.x").withNettyAcceptNoise()
      .withNativeTransport();
  static final Server VERTX_IO_URING = new Server(VertxIoUringApp.class, "Vert.x").withNettyAcceptNoise()
      .withNativeTransport().onClasspath(Workers::classpathWithIoUring)
      .reloadShows(transcript -> assertThat(transcript).contains("transport IoUringTransport"));
  static final Server JETTY = new Server(JettyApp.class, "Jetty").http2(JettyH2cApp.class, "Jetty");
  static final Server TOMCAT = new Server(TomcatApp.class, "Tomcat").http2(TomcatH2cApp.class, "Tomcat");
  static final Server UNDERTOW = new Server(UndertowApp.class, "Undertow").withUnsafeMemoryAccess()
      .http2(UndertowH2cApp.class, "Undertow");
  /** Undertow with the application's own GracefulShutdownHandler around its handler. */
  static final Server UNDERTOW_GRACEFUL = new Server(UndertowGracefulApp.class, "Undertow")
      .withUnsafeMemoryAccess();
  static final Server SPRING_BOOT_TOMCAT = new Server(SpringBootApp.class, "Tomcat").withSpringContext();
  static final Server SPRING_BOOT_JETTY = new Server(SpringBootJettyApp.class, "Jetty").withSpringContext();
  static final Server SPRING_BOOT_WEBFLUX = new Server(SpringBootWebFluxApp.class, "Reactor Netty")
      .withSpringContext().withNettyAcceptNoise().withNativeTransport()
      .http2(SpringBootWebFluxH2cApp.class, "Reactor Netty", "Netty HTTP/2");
  /**
   * An application with its own, older ByteBuddy (1.14, copied by Maven to {@code target/app-bytebuddy}) that
   * generates a class at start-up, on the JDK HttpServer: the agent's ByteBuddy is relocated, so each gets its own.
   */
  static final Server APP_BYTEBUDDY = new Server(ByteBuddyApp.class, "JDK HttpServer")
      .onClasspath(() -> Workers.classpathWithJarsIn(Workers.APP_BYTEBUDDY))
      .requires(() -> assumeTrue(Files.isDirectory(Workers.APP_BYTEBUDDY),
          Workers.APP_BYTEBUDDY + " missing: run through Maven (process-test-classes copies it)"))
      .reloadShows(transcript -> {
        assertThat(transcript).as("every generation used the application's own ByteBuddy")
            .contains("app byte-buddy from ");
        assertThat(transcript.lines().filter(line -> line.startsWith("app byte-buddy from ")))
            .allSatisfy(line -> assertThat(line).endsWith("/byte-buddy-1.14.18.jar"));
      });

  private final Class<?> sample;
  private final List<String> ownDrains;
  private Supplier<String> classpath = Workers::classpath;
  private boolean nativeTransport;
  private boolean unsafeMemoryAccess;
  private boolean nettyAcceptNoise;
  private boolean springContext;
  private boolean jdkOwn;
  private Runnable requirement = () -> {};
  private Consumer<String> reloadCheck = transcript -> {};
  private Class<?> http2Sample;
  private List<String> http2Drains = List.of();
  private Class<?> unixSocketSample;

  private Server(Class<?> sample, String... ownDrains) {
    this.sample = sample;
    this.ownDrains = List.of(ownDrains);
  }

  /** The sample's main class. */
  Class<?> sample() {
    return sample;
  }

  /**
   * The drains the agent's {@code drained in} line must name for this server (just {@code connections}: none of its
   * own).
   */
  List<String> ownDrains() {
    return ownDrains;
  }

  String classpath() {
    return classpath.get();
  }

  /** Whether the server is the JDK's own (its code is the JDK build's, not a framework's). */
  boolean isJdkOwn() {
    return jdkOwn;
  }

  /** Whether Spring's context must be seen closed after the agent's drain ({@code spring context closed}). */
  boolean hasSpringContext() {
    return springContext;
  }

  /**
   * Whether Netty may print its one known warning during a drain (see
   * {@link WorkerLog#withoutNettyAcceptCloseNoise}): servers on Netty's NIO transport.
   */
  boolean mayPrintNettyAcceptNoise() {
    return nettyAcceptNoise;
  }

  /** The HTTP/2 variant of the sample (h2c by prior knowledge and {@code Upgrade}, TLS with a key store argument). */
  Class<?> http2Sample() {
    assertThat(http2Sample).as(this + " has no HTTP/2 sample").isNotNull();
    return http2Sample;
  }

  List<String> http2Drains() {
    return http2Drains;
  }

  /** The variant of the sample that binds the Unix-domain path it gets as its first argument. */
  Class<?> unixSocketSample() {
    assertThat(unixSocketSample).as(this + " has no Unix-socket sample").isNotNull();
    return unixSocketSample;
  }

  /** Skips the calling test, with the reason, where this machine cannot run the sample. */
  void assumeRunnable() {
    Workers.assumeTransportAvailable(sample);
    requirement.run();
  }

  /** What a passed reload's transcript must show besides the common checks. */
  void checkReloadTranscript(String transcript) {
    reloadCheck.accept(transcript);
  }

  /**
   * {@code java <options> [-javaagent:baton-agent.jar[=agentOptions]] -cp <its class path> <main> args}: the
   * sample as a worker on {@code jdk}; {@code agentOptions} null runs it without the agent.
   */
  List<String> command(Jdk jdk, List<String> jvmOptions, String agentOptions, String... args) {
    return command(sample, jdk, jvmOptions, agentOptions, args);
  }

  /** The same for another of this server's samples (its HTTP/2 or Unix-socket variant). */
  List<String> command(Class<?> main, Jdk jdk, List<String> jvmOptions, String agentOptions, String... args) {
    List<String> options = new ArrayList<>(jvmOptions);
    if (nativeTransport) {
      options.addAll(jdk.nativeAccessOptions());
    }
    if (unsafeMemoryAccess) {
      options.addAll(jdk.unsafeMemoryAccessOptions());
    }
    return Workers.javaOn(classpath(), jdk.java(), options, agentOptions, main.getName(), args);
  }

  @Override
  public String toString() {
    return sample.getSimpleName();
  }

  private Server onClasspath(Supplier<String> classpath) {
    this.classpath = classpath;
    return this;
  }

  /** Loads a native Netty transport (Vert.x and Reactor Netty probe epoll even when they do not use it). */
  private Server withNativeTransport() {
    this.nativeTransport = true;
    return this;
  }

  /** Its library calls {@code sun.misc.Unsafe}'s memory-access methods (Undertow's buffer cleaner, Netty 4.1). */
  private Server withUnsafeMemoryAccess() {
    this.unsafeMemoryAccess = true;
    return this;
  }

  private Server withNettyAcceptNoise() {
    this.nettyAcceptNoise = true;
    return this;
  }

  private Server jdkOwn() {
    this.jdkOwn = true;
    return this;
  }

  private Server withSpringContext() {
    this.springContext = true;
    return this;
  }

  private Server requires(Runnable requirement) {
    this.requirement = requirement;
    return this;
  }

  private Server reloadShows(Consumer<String> check) {
    this.reloadCheck = check;
    return this;
  }

  private Server http2(Class<?> sample, String... drains) {
    this.http2Sample = sample;
    this.http2Drains = List.of(drains);
    return this;
  }

  private Server onUnixSocket(Class<?> sample) {
    this.unixSocketSample = sample;
    return this;
  }
}
