package dev.baton.operator.sidecar;

/** A pod's baton could not be reached or answered something unexpected; the message names the pod's address. */
public class BatonException extends Exception {
  private static final long serialVersionUID = 1L;

  public BatonException(String message) {
    super(message);
  }

  public BatonException(String message, Throwable cause) {
    super(message, cause);
  }
}
