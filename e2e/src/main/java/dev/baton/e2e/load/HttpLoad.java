package dev.baton.e2e.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small HTTP/1.1 load generator on plain sockets, counting failures the way {@code ab -r} does, so
 * that the demo and the tests need no external tool and can read each response's generation.
 *
 * <p>{@code concurrency} threads each send one request at a time, until {@code requests} were sent or
 * {@link #stop()}. A request fails as <em>connect</em> (no connection), <em>receive</em> (reset, timeout,
 * or the connection closed before the full response), <em>length</em> (a body whose length differs from
 * the first one's) or <em>exceptions</em> (anything else, such as a malformed response). A status
 * outside 2xx is counted apart as non-2xx. A reused keep-alive connection that ends (EOF or reset)
 * before a byte of the response came was closed by the server while idle: the request is sent again on
 * a new connection and counted in {@link #idleCloses()}, not as a failure (what HTTP clients do for
 * idempotent requests; {@code ab -k} forgives the EOF case only).
 */
public final class HttpLoad {

  /**
   * @param requests how many requests in all; 0 = until {@link #stop()}
   * @param keepAlive reuse connections (HTTP/1.1 keep-alive) or send {@code Connection: close}
   * @param timeout connect and read timeout of each request
   */
  public record Options(String host, int port, String path, int concurrency, long requests, boolean keepAlive,
      Duration timeout) {

    public Options {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1");
      }
    }

    public static Options of(int port, int concurrency, long requests, boolean keepAlive) {
      return new Options("127.0.0.1", port, "/", concurrency, requests, keepAlive, Duration.ofSeconds(30));
    }
  }

  public static final String CONNECT = "connect";
  public static final String RECEIVE = "receive";
  public static final String LENGTH = "length";
  public static final String EXCEPTIONS = "exceptions";
  public static final String[] CATEGORIES = {CONNECT, RECEIVE, LENGTH, EXCEPTIONS};

  private final Options options;
  private final RequestLog log;
  private final byte[] request;
  private final AtomicLong issued = new AtomicLong();
  private final LongAdder complete = new LongAdder();
  private final LongAdder non2xx = new LongAdder();
  private final LongAdder idleCloses = new LongAdder();
  private final Map<String, LongAdder> failed = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> generations = new ConcurrentHashMap<>();
  private final Map<Integer, Long> pids = new ConcurrentHashMap<>();
  private final Map<Integer, Long> firstAnswerMillis = new ConcurrentHashMap<>();
  private final List<String> failureSamples = new CopyOnWriteArrayList<>();
  private final AtomicInteger expectedLength = new AtomicInteger(-1);
  private final List<Latencies> latencies = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;
  private long startNanos;
  private long endNanos;

  private HttpLoad(Options options, RequestLog log) {
    this.options = options;
    this.log = log;
    String text = "GET " + options.path() + " HTTP/1.1\r\nHost: " + options.host() + ":" + options.port()
        + "\r\nUser-Agent: baton-e2e\r\nAccept: */*\r\n" + (options.keepAlive() ? "" : "Connection: close\r\n")
        + "\r\n";
    this.request = text.getBytes(StandardCharsets.US_ASCII);
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
    for (int i = 0; i < options.concurrency(); i++) {
      Latencies mine = new Latencies();
      load.latencies.add(mine);
      RequestLog.Recorder recorder = log == null ? null : log.recorder();
      Thread thread = new Thread(() -> load.loop(mine, recorder), "load-" + i);
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

  /** Requests answered so far. */
  public long completed() {
    return complete.sum();
  }

  public long failed() {
    return failed.values().stream().mapToLong(LongAdder::sum).sum();
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

  /** When ({@link System#currentTimeMillis()}) each generation's first answer was read. */
  public Map<Integer, Long> firstAnswerMillis() {
    return new TreeMap<>(firstAnswerMillis);
  }

  /** The first few failures, with their cause. */
  public List<String> failureSamples() {
    return List.copyOf(failureSamples);
  }

  public String progress() {
    return String.format(Locale.ROOT, "%d answered, %d failed, %d non-2xx", completed(), failed(), non2xx.sum());
  }

  private LoadResult result() {
    int[] sorted = Latencies.merge(latencies);
    Map<String, Long> failedBy = new LinkedHashMap<>();
    for (String category : CATEGORIES) {
      failedBy.put(category, failed.get(category).sum());
    }
    String tool = "java" + (options.keepAlive() ? " -k" : "");
    return new LoadResult(tool, completed(), failed(), failedBy, non2xx.sum(),
        (endNanos - startNanos) / 1e9, Latencies.percentileMillis(sorted, 50), Latencies.percentileMillis(sorted, 99),
        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000.0, new TreeMap<>(generations()));
  }

  private void loop(Latencies mine, RequestLog.Recorder recorder) {
    Connection connection = null;
    try {
      while (!stopped && (options.requests() == 0 || issued.getAndIncrement() < options.requests())) {
        long start = System.nanoTime();
        connection = send(connection, start, mine, recorder);
      }
    } finally {
      if (connection != null) {
        connection.close();
      }
    }
  }

  /** One request, sent again on a new connection if a reused one turns out closed while idle. */
  private Connection send(Connection connection, long start, Latencies mine, RequestLog.Recorder recorder) {
    while (true) {
      boolean reused = connection != null;
      if (connection == null) {
        try {
          connection = Connection.open(options);
        } catch (IOException e) {
          fail(CONNECT, e, start, recorder);
          return null;
        }
      }
      try {
        connection.begin().out.write(request);
        connection.out.flush();
        Response response = Response.read(connection.in);
        long end = System.nanoTime();
        mine.add(end - start);
        record(response, start, end, recorder);
        if (!options.keepAlive() || response.close) {
          connection.close();
          return null;
        }
        return connection;
      } catch (IOException e) {
        connection.close();
        if (reused && !connection.received()) {
          // The server closed the idle connection as this request went out (EOF, or a reset because the
          // request arrived after the close): nothing was answered, so it is sent again on a new
          // connection, as HTTP clients do for idempotent requests (RFC 9112, 9.3.1). Not a failure.
          idleCloses.increment();
          connection = null;
          continue;
        }
        fail(RECEIVE, e, start, recorder);
        return null;
      } catch (RuntimeException e) {
        connection.close();
        fail(EXCEPTIONS, e, start, recorder);
        return null;
      }
    }
  }

  private void record(Response response, long start, long end, RequestLog.Recorder recorder) {
    boolean non2xxStatus = response.status < 200 || response.status > 299;
    if (non2xxStatus) {
      non2xx.increment();
    }
    int length = response.body.length;
    if (!expectedLength.compareAndSet(-1, length) && expectedLength.get() != length) {
      fail(LENGTH, new IOException("body of " + length + " bytes, the first had " + expectedLength.get()), start, recorder);
      return;
    }
    complete.increment();
    String body = new String(response.body, StandardCharsets.US_ASCII);
    int generation = -1;
    if (body.startsWith("gen=") && body.length() >= 22) {
      try {
        generation = Integer.parseInt(body.substring(4, 10));
        generations.computeIfAbsent(generation, g -> new LongAdder()).increment();
        pids.putIfAbsent(generation, Long.parseLong(body.substring(15, 22)));
        firstAnswerMillis.putIfAbsent(generation, System.currentTimeMillis());
      } catch (NumberFormatException e) {
        // not the sample's body: nothing to count per generation
      }
    }
    if (recorder != null) {
      recorder.add(start, end, non2xxStatus ? RequestLog.Outcome.NON_2XX : RequestLog.Outcome.OK, generation);
    }
  }

  private void fail(String category, Exception cause, long start, RequestLog.Recorder recorder) {
    if (recorder != null) {
      recorder.add(start, System.nanoTime(), RequestLog.Outcome.FAILED, -1);
    }
    failed.get(category).increment();
    if (failureSamples.size() < 10) {
      failureSamples.add(category + ": " + cause);
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
        socket.setSoTimeout((int) options.timeout().toMillis());
        socket.connect(new InetSocketAddress(options.host(), options.port()), (int) options.timeout().toMillis());
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
  private record Response(int status, boolean close, byte[] body) {

    static Response read(InputStream in) throws IOException {
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
      return new Response(status, close || length < 0, body);
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
