package dev.baton.agent.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * HTTP/2 written by hand on a socket that already exists, for what Vert.x's client cannot do: turn a connection
 * that served an HTTP/1.1 request into HTTP/2 (prior knowledge) at a moment the test chooses. Frames only as
 * far as the tests need them: the preface, GET on a stream, and reading frames one by one.
 */
final class RawH2Connection {

  static final int DATA = 0;
  static final int GOAWAY = 7;
  private static final int END_STREAM = 0x1;

  /** A frame as read: type, flags, stream id and payload. */
  record Frame(int type, int flags, int streamId, byte[] payload) {
    /** A GOAWAY's last stream id. */
    int lastStreamId() {
      return ByteBuffer.wrap(payload).getInt() & 0x7fffffff;
    }
  }

  private final DataInputStream in;
  private final OutputStream out;

  private RawH2Connection(Socket socket) throws IOException {
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Sends the client preface and an empty SETTINGS frame on {@code socket}. */
  static RawH2Connection startOn(Socket socket) throws IOException {
    RawH2Connection connection = new RawH2Connection(socket);
    connection.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    connection.write(4, 0, 0, new byte[0]);
    return connection;
  }

  /**
   * GET {@code path} on stream {@code streamId} (odd, above the last one used). HPACK without the dynamic
   * table: {@code :method GET}, {@code :scheme http} from the static table, {@code :path} and
   * {@code :authority} as literals without indexing.
   */
  void get(int streamId, String path) throws IOException {
    byte[] pathBytes = path.getBytes(StandardCharsets.US_ASCII);
    byte[] authority = "127.0.0.1".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer block = ByteBuffer.allocate(8 + pathBytes.length + authority.length);
    block.put((byte) 0x82).put((byte) 0x86); // :method GET, :scheme http
    block.put((byte) 0x04).put((byte) pathBytes.length).put(pathBytes); // :path, name index 4
    block.put((byte) 0x01).put((byte) authority.length).put(authority); // :authority, name index 1
    write(1, 0x4 | END_STREAM, streamId, Arrays.copyOf(block.array(), block.position()));
  }

  /** The next frame; an IOException when the server closes the connection first. */
  Frame read() throws IOException {
    int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int streamId = in.readInt() & 0x7fffffff;
    byte[] payload = in.readNBytes(length);
    if (payload.length < length) {
      throw new IOException("connection closed in a frame");
    }
    return new Frame(type, flags, streamId, payload);
  }

  /** Reads frames up to and including the first of {@code type}. */
  Frame readUntil(int type) throws IOException {
    Frame frame = read();
    while (frame.type() != type) {
      frame = read();
    }
    return frame;
  }

  /** Reads frames until stream {@code streamId} ends; returns its DATA as text. */
  String body(int streamId) throws IOException {
    StringBuilder body = new StringBuilder();
    Frame frame;
    do {
      frame = read();
      if (frame.type() == DATA && frame.streamId() == streamId) {
        body.append(new String(frame.payload(), StandardCharsets.ISO_8859_1));
      }
    } while (frame.streamId() != streamId || (frame.flags() & END_STREAM) == 0);
    return body.toString();
  }

  private void write(int type, int flags, int streamId, byte[] payload) throws IOException {
    ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
    frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
    frame.put((byte) type).put((byte) flags).putInt(streamId).put(payload);
    out.write(frame.array());
    out.flush();
  }
}
