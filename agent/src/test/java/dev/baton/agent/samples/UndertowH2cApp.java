package dev.baton.agent.samples;

import io.undertow.UndertowOptions;
import java.util.function.UnaryOperator;

/**
 * {@link UndertowApp} with HTTP/2 over cleartext ({@code UndertowOptions.ENABLE_HTTP2}): on a plain HTTP
 * listener Undertow 2.4 then takes h2c with prior knowledge (its HTTP/1 parser reads the {@code PRI *
 * HTTP/2.0} preface and hands the connection to an {@code Http2Channel}) and {@code Upgrade: h2c} (the root
 * handler wrapped in an {@code Http2UpgradeHandler}).
 */
public final class UndertowH2cApp {

  public static void main(String[] args) {
    UndertowApp.serve(Integer.parseInt(args[0]), UnaryOperator.identity(),
        builder -> builder.setServerOption(UndertowOptions.ENABLE_HTTP2, true));
  }
}
