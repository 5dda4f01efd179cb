package dev.baton.agent.inject;

import dev.baton.agent.bootstrap.BootstrapInjector;
import java.util.Map;
import java.util.function.Function;

/**
 * The hooks code injected into a JDK module other than java.base's networking (the JDK HttpServer's) calls by
 * name: {@code BatonHooks.call(name, ...)}, emitted with {@link Inject#callHook}. That code links as JDK code and
 * cannot see the agent's classes, so it reaches them through the hook class in java.base, where the agent binds
 * each name when it rewrites the class that calls it ({@link BatonInstrumentation#bindHooks}).
 */
public final class NamedHooks {

  /** The descriptor of {@code BatonHooks.call(String name, Object argument)}. */
  public static final String CALL_1 = "(Ljava/lang/String;Ljava/lang/Object;)Ljava/lang/Object;";
  /** The descriptor of {@code BatonHooks.call(String name, Object first, Object second)}. */
  public static final String CALL_2 = "(Ljava/lang/String;Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;";

  private NamedHooks() {}

  /**
   * Binds {@code name} in the hook class defined in java.base (the agent's own class, renamed there: the one
   * reflective lookup besides {@code HookBindings}' that is not an {@code Internal}, since no JDK version differs).
   */
  @SuppressWarnings("unchecked")
  public static void bind(String name, Function<Object[], Object> hook) throws ReflectiveOperationException {
    Class<?> hooks = Class.forName(BootstrapInjector.JDK_HOOKS.replace('/', '.'), false, null);
    ((Map<String, Function<Object[], Object>>) hooks.getField("named").get(null)).put(name, hook);
  }
}
