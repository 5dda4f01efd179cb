package dev.baton.testkit.sample;

import dev.baton.testkit.http.Http;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a sample worker's answer names the worker that gave it, so that a test sees which generation served each
 * request: the pid, and the generation where the body has it. {@link #read} returns null for a body not in
 * this form.
 */
@FunctionalInterface
public interface Replies {

  /** Who answered: a pid, and a generation or -1 where the body does not say. */
  record Who(long pid, int generation) {}

  Who read(String body);

  /**
   * Who answered {@code GET path} sent to {@code address} (TCP or Unix-domain) in HTTP/1.1 with {@code Connection:
   * close}, 10 s to connect and 20 s per read on TCP: an {@link IOException} (a {@link Http.ConnectFailed} when no
   * connection was made) unless the answer is a whole {@code HTTP/1.1 200} whose body names its worker in this
   * form. What a test asks of one request: who served it, or why nobody did.
   */
  default Who ask(SocketAddress address, String path) throws IOException {
    Http.Response response = Http.get(address, path, Http.Version.HTTP_1_1, 20_000);
    Who who = read(response.body());
    if (!response.version().equals("HTTP/1.1") || response.status() != 200 || who == null) {
      throw new IOException("bad response " + response.version() + " " + response.status() + ": '"
          + response.body() + "'");
    }
    return who;
  }

  /** {@link #ask} on 127.0.0.1:port. */
  default Who ask(int port, String path) throws IOException {
    return ask(new InetSocketAddress("127.0.0.1", port), path);
  }

  /**
   * e2e's sample ({@code baton-sample.jar}, {@code bench/go}, {@code bench/starlet}):
   * {@code gen=000003 pid=0012345 server=jdk  } (fixed width, as {@code ab} wants one length for every body).
   */
  Replies SAMPLE = body -> {
    if (!body.startsWith("gen=") || body.length() < 22) {
      return null;
    }
    try {
      return new Who(Long.parseLong(body.substring(15, 22)), Integer.parseInt(body.substring(4, 10)));
    } catch (NumberFormatException e) {
      return null;
    }
  };

  /**
   * The echo worker ({@link EchoWorker}) and the sidecar's Go worker: {@code PID:GENERATION}, maybe followed by
   * {@code :more} or a newline.
   */
  Replies PID_AND_GENERATION = new Replies() {
    private final Pattern form = Pattern.compile("\\s*(\\d+):(\\d+)?(?:[:\\n][\\s\\S]*)?");

    @Override
    public Who read(String body) {
      Matcher m = form.matcher(body);
      if (!m.matches()) {
        return null;
      }
      return new Who(Long.parseLong(m.group(1)), m.group(2) == null ? -1 : Integer.parseInt(m.group(2)));
    }
  };

  /** The agent's samples: {@code pid:PID} and a newline, nothing else. */
  Replies PID = new Replies() {
    private final Pattern form = Pattern.compile("pid:(\\d+)\n");

    @Override
    public Who read(String body) {
      Matcher m = form.matcher(body);
      return m.matches() ? new Who(Long.parseLong(m.group(1)), -1) : null;
    }
  };
}
