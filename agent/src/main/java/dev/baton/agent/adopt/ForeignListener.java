package dev.baton.agent.adopt;

/**
 * A listening socket a framework binds outside the JDK, on a descriptor of its own (a transport that binds through
 * JNI): adopted like a JDK one ({@code dup2} onto that descriptor), but stopped, and its connections watched,
 * through the framework, which the core does not know. One per adopted listener, made by the framework's package.
 */
public interface ForeignListener {

  /** Whether the framework's listener still holds its descriptor (if not, the address may be adopted again). */
  boolean isOpen() throws ReflectiveOperationException;

  /**
   * Stops accepting on this listener without closing the application's server channel (whose close would tell
   * the application its server is gone), on the framework's own thread, after any accept under way; then lets go
   * of the shared socket: closes the framework's descriptor, unless {@link #keepsDescriptorOpen}.
   *
   * @return false when the framework did not stop within {@code waitMillis}: the listener then stays open
   */
  boolean stopAccepting(long waitMillis) throws ReflectiveOperationException;

  /**
   * True when the framework's own close must still find its descriptor open once it has stopped accepting: the
   * agent then points the descriptor at {@code /dev/null} rather than leaving the shared socket in it.
   */
  boolean keepsDescriptorOpen();

  /** Whether a connection accepted on this listener (the framework's object for it) is open. */
  boolean isOpen(Object connection) throws ReflectiveOperationException;

  /** Whether the framework's event loop has taken a connection accepted on this listener over. */
  boolean isHandedOver(Object connection) throws ReflectiveOperationException;
}
