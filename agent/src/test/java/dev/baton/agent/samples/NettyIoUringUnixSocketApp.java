package dev.baton.agent.samples;

import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;

/**
 * {@link NettyEpollUnixSocketApp} on Netty 4.2's io_uring transport ({@code IoUringServerDomainSocketChannel}):
 * the HTTP server on a Unix-domain socket at the path given, its server channel closed in a shutdown hook, and
 * Netty's close of that channel deletes the socket file (in a listener on the close future).
 */
public final class NettyIoUringUnixSocketApp {

  public static void main(String[] args) throws InterruptedException {
    IoUring.ensureAvailability();
    NettyEpollUnixSocketApp.serve(args[0], IoUringIoHandler.newFactory(), IoUringServerDomainSocketChannel.class);
  }
}
