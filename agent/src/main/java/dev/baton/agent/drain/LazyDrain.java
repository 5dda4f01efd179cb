package dev.baton.agent.drain;

/**
 * A framework's drain, created and registered with the {@link Drainer} when the framework's first server (or
 * connection) registers: an application pays, in classes loaded, only for the framework it uses. Held by the
 * framework's {@code *Singletons}, each subclass one line ({@link #create}); a class rather than a lambda, which
 * would spin classes on the application's start-up path.
 */
public abstract class LazyDrain<T extends FrameworkDrain> {

  private volatile T drain;

  /** A new drain of this framework; called once. */
  protected abstract T create();

  /** The drain, created and registered on the first call (a framework's servers may register from several threads). */
  public final T get() {
    T current = drain;
    if (current == null) {
      synchronized (this) {
        current = drain;
        if (current == null) {
          drain = current = create();
          FrameworkDrains.register(current);
        }
      }
    }
    return current;
  }

  /** The drain, or null while no server of the framework has registered. */
  public final T ifCreated() {
    return drain;
  }
}
