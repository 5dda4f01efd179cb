package dev.baton.testkit.load;

import dev.baton.testkit.http.Http;
import dev.baton.testkit.sample.Replies;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load generator of the tests, the demo and the benchmark: client threads that each send one {@code GET} at a
 * time, counting every request the way {@code ab -r} does, and reading from each answer's body which worker (pid,
 * generation) gave it ({@link Replies}); with a {@link RequestLog}, every request is recorded.
 *
 * <p>{@link Options#concurrency} threads (or one per {@link Options#clients}) send requests until {@code requests}
 * were sent, {@link #stop()} or {@link #close()}, or {@link Options#maxDuration} passed, each pausing
 * {@link Options#pause} after each request. A request fails as <em>connect</em> (no connection), <em>receive</em>
 * (reset, timeout, the connection closed before the full response, or a malformed one), <em>length</em> (a body
 * whose length differs from the first one's, unless {@link Options#anyLength}) or <em>exceptions</em> (anything
 * else, such as a body that does not name its worker where {@link Options#replies} requires it). A status outside
 * 2xx is counted apart as non-2xx. How a thread talks HTTP is its {@link Client}.
 */
public final class HttpLoad implements AutoCloseable {

  /** How a client thread sends its requests. */
  public enum Client {
    /**
     * Plain sockets, HTTP/1.1, {@code Connection: close} or keep-alive as {@link Options#keepAlive} says, the body
     * read by its {@code Content-Length}. A reused keep-alive connection that ends (EOF or reset) before a byte of
     * the response came was closed by the server while idle: the request is sent again on a new connection and
     * counted in {@link #idleCloses()}, not as a failure (what HTTP clients do for idempotent requests; {@code ab
     * -k} forgives the EOF case only).
     */
    SOCKET,
    /** A new connection per request, HTTP/1.0, the response read to the end of the connection ({@link Http}). */
    HTTP_1_0,
    /** The same in HTTP/1.1 with {@code Connection: close}; an answer in another version is a failure. */
    HTTP_1_1_CLOSE,
    /** The JDK's {@link HttpClient}: HTTP/1.1 on a pooled keep-alive connection. */
    JDK_KEEP_ALIVE
  }

  /** What to load, and how. */
  public static final class Options {
    private final String host;
    private final int port;
    private Path unixSocket;
    private String path = "/";
    private int concurrency;
    private final long requests;
    private final boolean keepAlive;
    private Duration timeout = Duration.ofSeconds(30);
    private Duration pause = Duration.ZERO;
    private Duration maxDuration;
    private boolean sameLength = true;
    private Replies replies = Replies.SAMPLE;
    private boolean repliesRequired;
    private List<Client> clients;

    /**
     * @param requests how many requests in all; 0 = until {@link #stop()}
     * @param keepAlive reuse connections (HTTP/1.1 keep-alive) or send {@code Connection: close}
     */
    public Options(String host, int port, int concurrency, long requests, boolean keepAlive) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1");
      }
      this.host = host;
      this.port = port;
      this.concurrency = concurrency;
      this.requests = requests;
      this.keepAlive = keepAlive;
    }

    /** {@code concurrency} plain-socket clients of 127.0.0.1:port ({@link Client#SOCKET}). */
    public static Options of(int port, int concurrency, long requests, boolean keepAlive) {
      return new Options("127.0.0.1", port, concurrency, requests, keepAlive);
    }

    /** {@code concurrency} clients of {@code kind} sending to 127.0.0.1:port until stopped. */
    public static Options of(int port, int concurrency, Client kind) {
      return of(port, concurrency, 0, kind == Client.JDK_KEEP_ALIVE).clients(Collections.nCopies(concurrency, kind));
    }

    /** Over a Unix-domain socket instead ({@link Client#HTTP_1_0} and {@link Client#HTTP_1_1_CLOSE} only). */
    public Options unixSocket(Path socket) {
      this.unixSocket = socket;
      return this;
    }

    /** The path requested (default {@code /}). */
    public Options path(String path) {
      this.path = path;
      return this;
    }

    /** Connect and read timeout of each request (default 30 s). */
    public Options timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** How long each client waits after each request (default none): light, steady traffic. */
    public Options pause(Duration pause) {
      this.pause = pause;
      return this;
    }

    /** No request is sent once this much time has passed since the start (default: no bound). */
    public Options maxDuration(Duration bound) {
      this.maxDuration = bound;
      return this;
    }

    /** Bodies may differ in length (the echo worker's pids do): no <em>length</em> failures. */
    public Options anyLength() {
      this.sameLength = false;
      return this;
    }

    /** How bodies name their worker; a body that does not is then a failure. */
    public Options replies(Replies replies) {
      this.replies = replies;
      this.repliesRequired = true;
      return this;
    }

    /** One client thread of each kind given, instead of {@code concurrency} plain-socket ones. */
    public Options clients(Client... kinds) {
      return clients(List.of(kinds));
    }

    private Options clients(List<Client> kinds) {
      if (kinds.isEmpty()) {
        throw new IllegalArgumentException("at least one client");
      }
      this.clients = List.copyOf(kinds);
      this.concurrency = kinds.size();
      return this;
    }

    private Client client(int thread) {
      return clients == null ? Client.SOCKET : clients.get(thread);
    }

    private SocketAddress address() {
      return unixSocket != null ? UnixDomainSocketAddress.of(unixSocket) : new InetSocketAddress(host, port);
    }
  }

  public static final String CONNECT = "connect";
  public static final String RECEIVE = "receive";
  public static final String LENGTH = "length";
  public static final String EXCEPTIONS = "exceptions";
  public static final String[] CATEGORIES = {CONNECT, RECEIVE, LENGTH, EXCEPTIONS};

  private static final int SAMPLES = 10;

  private final Options options;
  private final RequestLog log;
  private final AtomicLong issued = new AtomicLong();
  private final LongAdder complete = new LongAdder();
  private final LongAdder non2xx = new LongAdder();
  private final LongAdder idleCloses = new LongAdder();
  private final Map<String, LongAdder> failed = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> generations = new ConcurrentHashMap<>();
  private final Map<Integer, Long> pids = new ConcurrentHashMap<>();
  private final Map<Long, LongAdder> answeredBy = new ConcurrentHashMap<>();
  private final Map<Integer, Long> firstAnswerMillis = new ConcurrentHashMap<>();
  private final List<String> failureSamples = new CopyOnWriteArrayList<>();
  private final List<String> non2xxSamples = new CopyOnWriteArrayList<>();
  private final AtomicInteger expectedLength = new AtomicInteger(-1);
  private final List<Latencies> latencies = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;
  private long startNanos;
  private long endNanos;

  private HttpLoad(Options options, RequestLog log) {
    this.options = options;
    this.log = log;
    for (String category : CATEGORIES) {
      failed.put(category, new LongAdder());
    }
  }

  /** Starts the client threads and returns at once. */
  public static HttpLoad start(Options options) {
    return start(options, null);
  }

  /** Starts the client threads, each recording every request in {@code log} (if not null), and returns at once. */
  public static HttpLoad start(Options options, RequestLog log) {
    HttpLoad load = new HttpLoad(options, log);
    load.startNanos = System.nanoTime();
    long deadline = options.maxDuration == null ? 0 : load.startNanos + options.maxDuration.toNanos();
    for (int i = 0; i < options.concurrency; i++) {
      Latencies mine = new Latencies();
      load.latencies.add(mine);
      RequestLog.Recorder recorder = log == null ? null : log.recorder();
      Sender sender = load.sender(options.client(i));
      Thread thread = new Thread(() -> load.loop(sender, deadline, mine, recorder), "load-" + i);
      thread.setDaemon(true);
      load.threads.add(thread);
      thread.start();
    }
    return load;
  }

  /** Stops sending new requests; those in flight finish. */
  public void stop() {
    stopped = true;
  }

  /** Waits for the run to end (all requests sent, or {@link #stop()}) and returns what it measured. */
  public LoadResult await(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        stop();
        throw new IllegalStateException("load did not finish within " + max + ": " + progress());
      }
    }
    endNanos = System.nanoTime();
    return result();
  }

  /** Stops the clients and waits (up to a minute each) for the requests they have under way. */
  @Override
  public void close() throws InterruptedException {
    stop();
    for (Thread thread : threads) {
      thread.join(60_000);
    }
  }

  /** Requests answered so far (whatever their status). */
  public long completed() {
    return complete.sum();
  }

  public long failed() {
    return failed.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Failures of one of the {@link #CATEGORIES}. */
  public long failed(String category) {
    return failed.get(category).sum();
  }

  public long non2xx() {
    return non2xx.sum();
  }

  public long idleCloses() {
    return idleCloses.sum();
  }

  /** Requests answered by each generation so far. */
  public Map<Integer, Long> generations() {
    Map<Integer, Long> copy = new TreeMap<>();
    generations.forEach((gen, n) -> copy.put(gen, n.sum()));
    return copy;
  }

  /** The pid that answered for each generation. */
  public Map<Integer, Long> pids() {
    return new TreeMap<>(pids);
  }

  /** Every pid that answered so far. */
  public Set<Long> answeringPids() {
    return Set.copyOf(answeredBy.keySet());
  }

  /** Requests answered by {@code pid} so far. */
  public long answeredBy(long pid) {
    LongAdder n = answeredBy.get(pid);
    return n == null ? 0 : n.sum();
  }

  /** Requests sent before {@code nanoTime} ({@link System#nanoTime()}) and answered by {@code pid}; needs the log. */
  public long answeredBySentBefore(long pid, long nanoTime) {
    if (log == null) {
      throw new IllegalStateException("started without a RequestLog: the requests were not recorded");
    }
    return log.answeredBySentBefore(pid, nanoTime);
  }

  /** When ({@link System#currentTimeMillis()}) each generation's first answer was read. */
  public Map<Integer, Long> firstAnswerMillis() {
    return new TreeMap<>(firstAnswerMillis);
  }

  /** The first few failures, with their cause. */
  public List<String> failureSamples() {
    return List.copyOf(failureSamples);
  }

  /** The first few failures and answers outside 2xx: empty when every request so far was answered 2xx. */
  public List<String> failures() {
    List<String> all = new ArrayList<>(failureSamples);
    all.addAll(non2xxSamples);
    return all;
  }

  public String progress() {
    return String.format(Locale.ROOT, "%d answered, %d failed, %d non-2xx", completed(), failed(), non2xx.sum());
  }

  @Override
  public String toString() {
    Map<String, Long> failedBy = new LinkedHashMap<>();
    failed.forEach((category, n) -> failedBy.put(category, n.sum()));
    Map<Long, Long> byPid = new TreeMap<>();
    answeredBy.forEach((pid, n) -> byPid.put(pid, n.sum()));
    return progress() + " " + failedBy + ", answered by pid " + byPid + (failures().isEmpty() ? "" : " " + failures());
  }

  private LoadResult result() {
    int[] sorted = Latencies.merge(latencies);
    Map<String, Long> failedBy = new LinkedHashMap<>();
    for (String category : CATEGORIES) {
      failedBy.put(category, failed.get(category).sum());
    }
    String tool = "java" + (options.keepAlive ? " -k" : "");
    return new LoadResult(tool, completed(), failed(), failedBy, non2xx.sum(),
        (endNanos - startNanos) / 1e9, Latencies.percentileMillis(sorted, 50), Latencies.percentileMillis(sorted, 99),
        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000.0, new TreeMap<>(generations()));
  }

  private void loop(Sender sender, long deadline, Latencies mine, RequestLog.Recorder recorder) {
    long pauseMillis = options.pause.toMillis();
    try {
      while (!stopped && (options.requests == 0 || issued.getAndIncrement() < options.requests)
          && (deadline == 0 || System.nanoTime() - deadline < 0)) {
        long start = System.nanoTime();
        try {
          Response response = sender.send();
          long end = System.nanoTime();
          mine.add(end - start);
          record(response, start, end, recorder);
        } catch (Http.ConnectFailed e) {
          fail(CONNECT, e.getCause(), start, recorder);
        } catch (IOException e) {
          fail(RECEIVE, e, start, recorder);
        } catch (RuntimeException e) {
          fail(EXCEPTIONS, e, start, recorder);
        }
        if (pauseMillis > 0) {
          Thread.sleep(pauseMillis);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      sender.close();
    }
  }

  private void record(Response response, long start, long end, RequestLog.Recorder recorder) {
    boolean non2xxStatus = response.status < 200 || response.status > 299;
    String body = new String(response.body, StandardCharsets.US_ASCII);
    if (non2xxStatus) {
      non2xx.increment();
      if (non2xxSamples.size() < SAMPLES) {
        non2xxSamples.add("non-2xx: HTTP " + response.status + " '" + body.strip() + "'");
      }
    }
    int length = response.body.length;
    if (options.sameLength && !expectedLength.compareAndSet(-1, length) && expectedLength.get() != length) {
      fail(LENGTH, new IOException("body of " + length + " bytes, the first had " + expectedLength.get()), start,
          recorder);
      return;
    }
    Replies.Who who = options.replies.read(body);
    if (who == null && options.repliesRequired && !non2xxStatus) {
      fail(EXCEPTIONS, new IllegalStateException("an answer that names no worker: '" + body + "'"), start, recorder);
      return;
    }
    complete.increment();
    if (who != null) {
      if (who.generation() >= 0) {
        generations.computeIfAbsent(who.generation(), g -> new LongAdder()).increment();
        pids.putIfAbsent(who.generation(), who.pid());
        firstAnswerMillis.putIfAbsent(who.generation(), System.currentTimeMillis());
      }
      answeredBy.computeIfAbsent(who.pid(), p -> new LongAdder()).increment();
    }
    if (recorder != null) {
      recorder.add(start, end, non2xxStatus ? RequestLog.Outcome.NON_2XX : RequestLog.Outcome.OK,
          who == null ? -1 : who.generation(), who == null ? -1 : who.pid());
    }
  }

  private void fail(String category, Throwable cause, long start, RequestLog.Recorder recorder) {
    if (recorder != null) {
      recorder.add(start, System.nanoTime(), RequestLog.Outcome.FAILED, -1, -1);
    }
    failed.get(category).increment();
    if (failureSamples.size() < SAMPLES) {
      failureSamples.add(category + ": " + cause);
    }
  }

  private Sender sender(Client kind) {
    if (options.unixSocket != null && (kind == Client.SOCKET || kind == Client.JDK_KEEP_ALIVE)) {
      throw new IllegalArgumentException(kind + " cannot send over a Unix-domain socket");
    }
    return switch (kind) {
      case SOCKET -> new SocketSender(options, idleCloses);
      case HTTP_1_0 -> new OneShotSender(options, Http.Version.HTTP_1_0);
      case HTTP_1_1_CLOSE -> new OneShotSender(options, Http.Version.HTTP_1_1);
      case JDK_KEEP_ALIVE -> new JdkSender(options);
    };
  }

  /** A response read whole. */
  private record Response(int status, byte[] body) {}

  /** One client thread's way of sending: one request at a time, on connections of its own. */
  private interface Sender {
    /** One request; throws {@link Http.ConnectFailed} when no connection was made. */
    Response send() throws IOException, InterruptedException;

    void close();
  }

  /** {@link Client#HTTP_1_0}, {@link Client#HTTP_1_1_CLOSE}. */
  private static final class OneShotSender implements Sender {
    private final SocketAddress address;
    private final String path;
    private final Http.Version version;
    private final int timeoutMillis;

    OneShotSender(Options options, Http.Version version) {
      this.address = options.address();
      this.path = options.path;
      this.version = version;
      this.timeoutMillis = (int) options.timeout.toMillis();
    }

    @Override
    public Response send() throws IOException {
      Http.Response r = Http.get(address, path, version, timeoutMillis);
      if (version == Http.Version.HTTP_1_1 && !r.version().equals("HTTP/1.1")) {
        throw new IOException("an HTTP/1.1 request answered in " + r.version() + ": " + r.status() + " " + r.body());
      }
      return new Response(r.status(), r.body().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {}
  }

  /** {@link Client#JDK_KEEP_ALIVE}. */
  private static final class JdkSender implements Sender {
    private final HttpClient client;
    private final HttpRequest request;

    JdkSender(Options options) {
      Duration connect = options.timeout.compareTo(Duration.ofSeconds(10)) < 0 ? options.timeout : Duration.ofSeconds(10);
      this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connect).build();
      this.request = HttpRequest.newBuilder(URI.create("http://" + options.host + ":" + options.port + options.path))
          .timeout(options.timeout).build();
    }

    @Override
    public Response send() throws IOException, InterruptedException {
      try {
        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.body());
      } catch (ConnectException | HttpConnectTimeoutException e) {
        throw new Http.ConnectFailed(e);
      }
    }

    @Override
    public void close() {}
  }

  /** {@link Client#SOCKET}. */
  private static final class SocketSender implements Sender {
    private final Options options;
    private final LongAdder idleCloses;
    private final byte[] request;
    private Connection connection;

    SocketSender(Options options, LongAdder idleCloses) {
      this.options = options;
      this.idleCloses = idleCloses;
      String text = "GET " + options.path + " HTTP/1.1\r\nHost: " + options.host + ":" + options.port
          + "\r\nUser-Agent: baton-e2e\r\nAccept: */*\r\n" + (options.keepAlive ? "" : "Connection: close\r\n")
          + "\r\n";
      this.request = text.getBytes(StandardCharsets.US_ASCII);
    }

    /** One request, sent again on a new connection if a reused one turns out closed while idle. */
    @Override
    public Response send() throws IOException {
      while (true) {
        boolean reused = connection != null;
        if (connection == null) {
          try {
            connection = Connection.open(options);
          } catch (IOException e) {
            throw new Http.ConnectFailed(e);
          }
        }
        try {
          connection.begin().out.write(request);
          connection.out.flush();
          SocketResponse response = SocketResponse.read(connection.in);
          if (!options.keepAlive || response.close) {
            close();
          }
          return new Response(response.status, response.body);
        } catch (IOException e) {
          Connection closed = connection;
          close();
          if (reused && !closed.received()) {
            // The server closed the idle connection as this request went out (EOF, or a reset because the
            // request arrived after the close): nothing was answered, so it is sent again on a new
            // connection, as HTTP clients do for idempotent requests (RFC 9112, 9.3.1). Not a failure.
            idleCloses.increment();
            continue;
          }
          throw e;
        } catch (RuntimeException e) {
          close();
          throw e;
        }
      }
    }

    @Override
    public void close() {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    }
  }

  /** A socket and its streams. */
  private static final class Connection {
    final Socket socket;
    final OutputStream out;
    final InputStream in;

    private final CountingInputStream counting;
    private long receivedBefore;

    private Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
      this.counting = new CountingInputStream(socket.getInputStream());
      this.in = new BufferedInputStream(counting, 4096);
    }

    /** Marks the start of a request: {@link #received()} tells if any byte of its response came. */
    Connection begin() {
      receivedBefore = counting.count;
      return this;
    }

    boolean received() {
      return counting.count > receivedBefore;
    }

    static Connection open(Options options) throws IOException {
      Socket socket = new Socket();
      try {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) options.timeout.toMillis());
        socket.connect(new InetSocketAddress(options.host, options.port), (int) options.timeout.toMillis());
        return new Connection(socket);
      } catch (IOException e) {
        socket.close();
        throw e;
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  /** Counts the bytes read from the socket. */
  private static final class CountingInputStream extends java.io.FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }

  /** The connection ended (EOF, not a reset) before the first byte of the response. */
  private static final class NothingReceived extends EOFException {
    NothingReceived() {
      super("connection closed before any byte of the response");
    }
  }

  /** A response read whole: status line, headers, then a Content-Length body (or to end of stream). */
  private record SocketResponse(int status, boolean close, byte[] body) {

    static SocketResponse read(InputStream in) throws IOException {
      String statusLine = line(in, true);
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IllegalStateException("not an HTTP/1.x status line: " + statusLine);
      }
      int status = Integer.parseInt(parts[1]);
      boolean close = parts[0].equals("HTTP/1.0");
      int length = -1;
      for (String header = line(in, false); !header.isEmpty(); header = line(in, false)) {
        int colon = header.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = header.substring(colon + 1).trim();
        if (name.equals("content-length")) {
          length = Integer.parseInt(value);
        } else if (name.equals("connection")) {
          close = value.equalsIgnoreCase("close");
        } else if (name.equals("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
          throw new IllegalStateException("chunked responses are not supported by this client");
        }
      }
      byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
      if (length >= 0 && body.length < length) {
        throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
      }
      return new SocketResponse(status, close || length < 0, body);
    }

    private static String line(InputStream in, boolean first) throws IOException {
      StringBuilder text = new StringBuilder(64);
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          if (first && text.length() == 0) {
            throw new NothingReceived();
          }
          throw new EOFException("connection closed inside the response head");
        }
        if (c != '\r') {
          text.append((char) c);
        }
      }
      return text.toString();
    }
  }
}
