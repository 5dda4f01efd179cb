package dev.baton.agent;

import dev.baton.agent.adopt.JdkChannelInstrumentations;
import dev.baton.agent.instrumentation.jdkhttpserver.JdkHttpServerInstrumentations;
import dev.baton.agent.instrumentation.jetty.JettyInstrumentations;
import dev.baton.agent.instrumentation.netty.NettyInstrumentations;
import dev.baton.agent.instrumentation.reactornetty.ReactorNettyInstrumentations;
import dev.baton.agent.instrumentation.tomcat.TomcatInstrumentations;
import dev.baton.agent.instrumentation.undertow.UndertowInstrumentations;
import dev.baton.agent.instrumentation.vertx.VertxInstrumentations;
import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.tooling.HookTransformer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every class the agent rewrites, by the package it is in: one line per framework, handing the class name to that
 * framework's own switch ({@code instrumentation/<framework>/*Instrumentations}), which creates the instrumentation
 * when its class loads. Supporting another framework is a package under {@code instrumentation} and one
 * {@code if} here.
 *
 * <p>A switch on the class name rather than a list of instances or a {@code ServiceLoader}: this is asked for
 * every class the JVM loads, and costs a few {@code startsWith} for most of them; a framework's classes (its switch,
 * its instrumentations and their injecting visitors) load only if one of its target classes does, so a JDK
 * HttpServer pays for the few classes it uses and not for Netty's, Tomcat's or Undertow's ({@code premain} used to
 * construct all of them before the application's {@code main}: ~50 ms of class loading on its critical path;
 * creating one small object per framework up front instead of this chain cost 1.5-7 ms in a quick test on a
 * loaded machine, the chain ~20 us). {@code InstrumentationsTest} checks that each
 * framework's switch and its list of all its instrumentations agree both ways, and that every class name is
 * routed here to the framework that rewrites it.
 *
 * <p>In a run that trains a class-data archive the transformer also asks which classes share a nest with a
 * rewritten one ({@link #inNestOfTarget}): that needs every framework's list of its instrumentations, so the
 * frameworks are named a second time, in {@link NestHosts}, which only such a run loads; {@code InstrumentationsTest}
 * checks that it covers every framework the switch routes to.
 */
final class Instrumentations implements HookTransformer.Targets {

  /** The instrumentation of {@code internalName}, or null for every class the agent leaves alone. */
  @Override
  public BatonInstrumentation forType(String internalName) {
    if (internalName.startsWith("sun/nio/ch/")) {
      return JdkChannelInstrumentations.forType(internalName); // the core: adoption of the JDK's own channels
    }
    if (internalName.startsWith("sun/net/httpserver/")) {
      return JdkHttpServerInstrumentations.forType(internalName);
    }
    if (internalName.startsWith("io/netty/")) {
      return NettyInstrumentations.forType(internalName);
    }
    if (internalName.startsWith("io/vertx/")) {
      return VertxInstrumentations.forType(internalName);
    }
    if (internalName.startsWith("org/eclipse/jetty/")) {
      return JettyInstrumentations.forType(internalName);
    }
    if (internalName.startsWith("org/apache/tomcat/") || internalName.startsWith("org/apache/coyote/")) {
      return TomcatInstrumentations.forType(internalName);
    }
    if (internalName.startsWith("io/undertow/")) {
      return UndertowInstrumentations.forType(internalName);
    }
    if (internalName.startsWith("reactor/netty/")) {
      return ReactorNettyInstrumentations.forType(internalName);
    }
    return null;
  }

  @Override
  public boolean inNestOfTarget(String internalName) {
    return NestHosts.NAMES.contains(topLevel(internalName));
  }

  private static String topLevel(String internalName) {
    int nested = internalName.indexOf('$');
    return nested < 0 ? internalName : internalName.substring(0, nested);
  }

  /**
   * The top-level classes of the rewritten ones, from each framework's list of its instrumentations; built on first
   * use, in training runs only (it creates every instrumentation once, loading every framework's switch).
   */
  private static final class NestHosts {
    static final Set<String> NAMES = names(
        JdkChannelInstrumentations.all(),
        JdkHttpServerInstrumentations.all(),
        NettyInstrumentations.all(),
        VertxInstrumentations.all(),
        JettyInstrumentations.all(),
        TomcatInstrumentations.all(),
        UndertowInstrumentations.all(),
        ReactorNettyInstrumentations.all());

    @SafeVarargs
    private static Set<String> names(List<BatonInstrumentation>... frameworks) {
      Set<String> names = new HashSet<>();
      for (List<BatonInstrumentation> instrumentations : frameworks) {
        for (BatonInstrumentation instrumentation : instrumentations) {
          names.add(topLevel(instrumentation.typeName()));
        }
      }
      return names;
    }
  }
}
