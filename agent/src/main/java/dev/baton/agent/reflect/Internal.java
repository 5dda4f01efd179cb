package dev.baton.agent.reflect;

import dev.baton.agent.log.Log;
import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.CodeSource;
import java.util.Arrays;

/**
 * A member of a JDK or framework class that the agent reaches by reflection: JDK internals are not exported, and
 * the agent links against no framework. Every such lookup in the agent is one of these, declared once as a
 * {@code static final} field with every form the member has had in the versions the agent supports (a method or
 * a field, an old or a new name: the first one the running version has wins) and what the agent loses without
 * it; {@code InternalsTest} resolves each declaration against the JDK it runs on (17 and 25) and the framework
 * versions the tests use, and checks that no other class of the agent looks members up itself.
 *
 * <p>Resolved on first use, against the class of the copy of the framework the object at hand comes from (its
 * class loader), and kept. A member found under none of its forms turns off the feature it serves: one warning
 * naming the JDK or framework version, the member and what is lost ({@link #lost}), then {@link Missing}, which
 * the caller lets end that feature's step; {@link Log#error} says nothing more about it. Never an error at every
 * reload for a version that simply differs.
 *
 * <p>Some of these are used on the application's start-up path ({@code JdkInternals}): no lambdas, no nested
 * classes loaded before something is missing.
 */
public final class Internal {

  private static final int METHOD = 0;
  private static final int FIELD = 1;
  private static final int CONSTRUCTOR = 2;
  private static final Object[] NO_ARGUMENTS = new Object[0];

  /** "JDK", or the framework's name as users know it ("Undertow"). */
  private final String owner;
  private final String className;
  private int[] kinds = new int[0];
  private String[] names = new String[0];
  private Object[][] parameterTypes = new Object[0][];
  private String lost = "a feature that needs it is off";

  /** {@code {loader, member or null}} of the last resolution: one volatile read per use. */
  private volatile Object[] resolved;
  private volatile MethodHandle handle;

  private Internal(String owner, String className) {
    this.owner = owner;
    this.className = className;
  }

  /** A member of a JDK class, e.g. {@code sun.nio.ch.Net}. */
  public static Internal jdk(String className) {
    return new Internal("JDK", className);
  }

  /** A member of a class of {@code framework} (its name as users know it: "Netty", "Tomcat"). */
  public static Internal of(String framework, String className) {
    return new Internal(framework, className);
  }

  /**
   * One form the member may have: a method with these parameter types ({@code Class} objects, or the names of
   * the framework's own classes, resolved in its class loader), declared by the class or a superclass, or by an
   * interface it implements.
   */
  public Internal method(String name, Object... parameters) {
    return add(METHOD, name, parameters);
  }

  /** One form the member may have: a field declared by the class or a superclass. */
  public Internal field(String name) {
    return add(FIELD, name, NO_ARGUMENTS);
  }

  /** One form the member may have: a constructor with these parameter types. */
  public Internal constructor(Object... parameters) {
    return add(CONSTRUCTOR, "<init>", parameters);
  }

  /** What the agent loses when the running version has none of the forms: the end of the warning. */
  public Internal lost(String whatIsLost) {
    this.lost = whatIsLost;
    return this;
  }

  private Internal add(int kind, String name, Object[] parameters) {
    int n = kinds.length;
    int[] moreKinds = new int[n + 1];
    String[] moreNames = new String[n + 1];
    Object[][] moreParameters = new Object[n + 1][];
    System.arraycopy(kinds, 0, moreKinds, 0, n);
    System.arraycopy(names, 0, moreNames, 0, n);
    System.arraycopy(parameterTypes, 0, moreParameters, 0, n);
    moreKinds[n] = kind;
    moreNames[n] = name;
    moreParameters[n] = parameters;
    kinds = moreKinds;
    names = moreNames;
    parameterTypes = moreParameters;
    return this;
  }

  /** The class declaring it, e.g. {@code sun.nio.ch.Net}. */
  public String className() {
    return className;
  }

  /** Whether it belongs to the JDK rather than to a framework. */
  public boolean isJdk() {
    return "JDK".equals(owner);
  }

  // ---- use

  /** Whether the copy of the framework in {@code loader} (the JDK: any) has it; false after the one warning. */
  public boolean isPresent(ClassLoader loader) {
    return member(loader, null) != null;
  }

  /** The member as found in {@code loader} (ignored for the JDK): a {@link Method}, {@link Field} or {@link Constructor}. */
  public AccessibleObject resolve(ClassLoader loader) {
    AccessibleObject member = member(loader, null);
    if (member == null) {
      throw Missing.of(this);
    }
    return member;
  }

  /** The class declaring it, as found in {@code loader}; {@link Missing} when the class is absent. */
  public Class<?> type(ClassLoader loader) {
    try {
      return Class.forName(className, false, loaderFor(loader));
    } catch (ClassNotFoundException e) {
      member(loader, null); // says so once
      throw Missing.of(this);
    }
  }

  /** A field's value, or a method's result without arguments, on {@code target}. */
  public Object get(Object target) throws ReflectiveOperationException {
    AccessibleObject member = member(target);
    return member instanceof Field field ? field.get(target) : call((Method) member, target, NO_ARGUMENTS);
  }

  /** A static field's value, or a static method's result without arguments. */
  public Object getStatic(ClassLoader loader) throws ReflectiveOperationException {
    AccessibleObject member = resolve(loader);
    return member instanceof Field field ? field.get(null) : call((Method) member, null, NO_ARGUMENTS);
  }

  /** Sets a field of {@code target}. */
  public void set(Object target, Object value) throws ReflectiveOperationException {
    ((Field) member(target)).set(target, value);
  }

  /** Calls the method on {@code target}; an unchecked exception it throws is rethrown as is. */
  public Object invoke(Object target, Object... arguments) throws ReflectiveOperationException {
    return call((Method) member(target), target, arguments);
  }

  /** Calls a static method, as found in {@code loader}. */
  public Object invokeStatic(ClassLoader loader, Object... arguments) throws ReflectiveOperationException {
    return call((Method) resolve(loader), null, arguments);
  }

  /** Calls the constructor, as found in {@code loader}. */
  public Object newInstance(ClassLoader loader, Object... arguments) throws ReflectiveOperationException {
    try {
      return ((Constructor<?>) resolve(loader)).newInstance(arguments);
    } catch (InvocationTargetException e) {
      throw unwrapped(e);
    }
  }

  /** A static JDK method as a direct method handle, typed exactly as declared (for {@code invokeExact}). */
  public MethodHandle handle() throws IllegalAccessException {
    MethodHandle found = handle;
    if (found == null) {
      handle = found = MethodHandles.lookup().unreflect((Method) resolve(null));
    }
    return found;
  }

  private static Object call(Method method, Object target, Object[] arguments) throws ReflectiveOperationException {
    try {
      return method.invoke(target, arguments);
    } catch (InvocationTargetException e) {
      throw unwrapped(e);
    }
  }

  /** What the member threw: unchecked exceptions as they are, checked ones still wrapped. */
  private static InvocationTargetException unwrapped(InvocationTargetException e) {
    if (e.getCause() instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (e.getCause() instanceof Error error) {
      throw error;
    }
    return e;
  }

  private AccessibleObject member(Object target) {
    AccessibleObject member = member(target.getClass().getClassLoader(), target);
    if (member == null) {
      throw Missing.of(this);
    }
    return member;
  }

  // ---- resolution

  private AccessibleObject member(ClassLoader loader, Object target) {
    Object[] last = resolved;
    ClassLoader from = loaderFor(loader);
    if (last != null && last[0] == from) {
      return (AccessibleObject) last[1];
    }
    Class<?> type = null;
    AccessibleObject found = null;
    try {
      type = Class.forName(className, false, from);
      found = find(type);
    } catch (ClassNotFoundException | LinkageError absent) {
      // said below
    }
    if (found != null) {
      found.setAccessible(true);
    } else {
      Class<?> versionOf = type != null ? type : target != null ? target.getClass() : null;
      Log.warnOnce("internal:" + className + "#" + String.join(",", names),
          version(versionOf) + ": " + (type == null ? "no class " + className : className + " has " + forms())
              + "; " + lost);
    }
    resolved = new Object[] {from, found};
    return found;
  }

  /** The JDK's classes come from the boot and platform loaders, whatever the caller's object. */
  private ClassLoader loaderFor(ClassLoader loader) {
    return isJdk() || loader == null ? ClassLoader.getPlatformClassLoader() : loader;
  }

  /**
   * The first form {@code type} has, not yet made accessible (no warning, nothing kept): {@code InternalsTest}
   * asks this of every declaration without opening the JDK's packages.
   */
  AccessibleObject find(Class<?> type) throws ClassNotFoundException {
    for (int i = 0; i < kinds.length; i++) {
      AccessibleObject member = switch (kinds[i]) {
        case METHOD -> findMethod(type, names[i], types(type, parameterTypes[i]));
        case FIELD -> findField(type, names[i]);
        default -> findConstructor(type, types(type, parameterTypes[i]));
      };
      if (member != null) {
        return member;
      }
    }
    return null;
  }

  private static Class<?>[] types(Class<?> owner, Object[] parameters) throws ClassNotFoundException {
    Class<?>[] types = new Class<?>[parameters.length];
    for (int i = 0; i < parameters.length; i++) {
      types[i] = parameters[i] instanceof Class<?> given ? given
          : Class.forName((String) parameters[i], false, owner.getClassLoader());
    }
    return types;
  }

  /**
   * Declared by the class or a superclass (any access), else by an interface it has (a public one). Without the
   * {@code Class.getMethod} family: a miss throws {@code NoSuchMethodException}, whose message the JDK builds with
   * a lambda, spinning classes on the start-up path of every worker whose first guess misses.
   */
  private static Method findMethod(Class<?> type, String name, Class<?>[] parameters) {
    for (Class<?> declaring = type; declaring != null; declaring = declaring.getSuperclass()) {
      Method found = declared(declaring, name, parameters);
      if (found != null) {
        return found;
      }
    }
    for (Class<?> declaring = type; declaring != null; declaring = declaring.getSuperclass()) {
      for (Class<?> implemented : declaring.getInterfaces()) {
        Method found = findMethod(implemented, name, parameters);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static Method declared(Class<?> type, String name, Class<?>[] parameters) {
    for (Method method : type.getDeclaredMethods()) {
      if (method.getName().equals(name) && Arrays.equals(method.getParameterTypes(), parameters)) {
        return method;
      }
    }
    return null;
  }

  private static Field findField(Class<?> type, String name) {
    for (Class<?> declaring = type; declaring != null; declaring = declaring.getSuperclass()) {
      for (Field field : declaring.getDeclaredFields()) {
        if (field.getName().equals(name)) {
          return field;
        }
      }
    }
    return null;
  }

  private static Constructor<?> findConstructor(Class<?> type, Class<?>[] parameters) {
    for (Constructor<?> constructor : type.getDeclaredConstructors()) {
      if (Arrays.equals(constructor.getParameterTypes(), parameters)) {
        return constructor;
      }
    }
    return null;
  }

  /** "no field x", "neither method a() nor field b", "none of ...". */
  private String forms() {
    StringBuilder text = new StringBuilder(kinds.length == 1 ? "no " : kinds.length == 2 ? "neither " : "none of ");
    for (int i = 0; i < kinds.length; i++) {
      if (i > 0) {
        text.append(kinds.length == 2 ? " nor " : ", ");
      }
      text.append(switch (kinds[i]) {
        case METHOD -> "method " + names[i] + "(" + parameterNames(parameterTypes[i]) + ")";
        case FIELD -> "field " + names[i];
        default -> "constructor (" + parameterNames(parameterTypes[i]) + ")";
      });
    }
    return text.toString();
  }

  private static String parameterNames(Object[] parameters) {
    StringBuilder text = new StringBuilder();
    for (Object parameter : parameters) {
      text.append(text.length() == 0 ? "" : ", ")
          .append(parameter instanceof Class<?> type ? type.getSimpleName() : (String) parameter);
    }
    return text.toString();
  }

  /** "JDK 17.0.15+6-Debian-1deb12u1", "Undertow 2.4.4.Final", from the jar's manifest or its name. */
  private String version(Class<?> of) {
    if (isJdk()) {
      return "JDK " + System.getProperty("java.runtime.version", System.getProperty("java.version"));
    }
    String version = of == null || of.getPackage() == null ? null : of.getPackage().getImplementationVersion();
    if (version == null && of != null) {
      CodeSource source = of.getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        version = "from " + new File(source.getLocation().getPath()).getName();
      }
    }
    return owner + " " + (version == null ? "(version unknown)" : version);
  }

  /** Describes the declaration: {@code sun.net.httpserver.ServerImpl: method getExchangeCount() or field exchangeCount}. */
  @Override
  public String toString() {
    return className + ": " + forms().replaceFirst("^(no|neither|none of) ", "").replace(" nor ", " or ");
  }

  /**
   * The running version has none of the member's forms: the feature it serves is off, said once as a warning
   * when it was looked up.
   */
  public static final class Missing extends RuntimeException implements Log.Reported {
    private Missing(Internal internal) {
      super(internal.toString() + " is missing", null, false, false);
    }

    /**
     * Typed as the {@code RuntimeException} it is: the code that throws it then names this class nowhere the
     * verifier looks, so it is loaded only when something is missing (the JDK's internals are used at start-up).
     */
    static RuntimeException of(Internal internal) {
      return new Missing(internal);
    }
  }
}
