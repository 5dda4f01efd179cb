package dev.baton.testkit.sample;

import dev.baton.testkit.load.HttpLoad;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The Perl echo worker ({@code echo-worker.pl} beside this class): a start_server worker that answers
 * {@code PID:GENERATION} ({@link Replies#PID_AND_GENERATION}), its environment, its fds and signals, and is told
 * through its environment to fail, hang or be slow (the script's header lists it all). The supervisor tests of
 * the sidecar and the operator's pods run it.
 */
public final class EchoWorker {

  private static Path script;

  private EchoWorker() {}

  /** {@code perl .../echo-worker.pl}. */
  public static List<String> command() {
    return List.of("perl", script().toString());
  }

  /**
   * {@code clients} threads sending {@code GET path} to 127.0.0.1:port in HTTP/1.0, one connection per request,
   * as the echo worker serves, until closed: each answer must name its worker ({@code PID:GEN}, whose length
   * varies with the pid). Also for any worker that answers the same way (the sidecar's Go worker).
   */
  public static HttpLoad load(int port, String path, int clients) {
    return HttpLoad.start(loadOptions(port, path, clients));
  }

  /** The options of {@link #load}, to start it with a {@link dev.baton.testkit.load.RequestLog}. */
  public static HttpLoad.Options loadOptions(int port, String path, int clients) {
    return HttpLoad.Options.of(port, clients, HttpLoad.Client.HTTP_1_0).path(path)
        .replies(Replies.PID_AND_GENERATION).anyLength();
  }

  /** The script as a file: where it is on a class path of directories, else a copy out of the kit's jar. */
  public static synchronized Path script() {
    if (script == null) {
      URL url = EchoWorker.class.getResource("echo-worker.pl");
      if (url == null) {
        throw new IllegalStateException("echo-worker.pl is missing beside " + EchoWorker.class.getName());
      }
      try {
        if (url.getProtocol().equals("file")) {
          script = Path.of(url.toURI());
        } else {
          Path copy = Files.createTempFile("baton-echo-worker", ".pl");
          copy.toFile().deleteOnExit();
          try (InputStream in = url.openStream()) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
          }
          script = copy;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    return script;
  }
}
