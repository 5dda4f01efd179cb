package dev.baton.sidecar.cli;

import picocli.CommandLine;

/** {@code --version}: Baton's version and the start_server version it is compatible with. */
public final class Version implements CommandLine.IVersionProvider {
    public static final String BATON = "0.1.0";
    public static final String SERVER_STARTER = "0.35";

    @Override
    public String[] getVersion() {
        return new String[] {"baton " + BATON + " (compatible with Server::Starter " + SERVER_STARTER + ")"};
    }
}
