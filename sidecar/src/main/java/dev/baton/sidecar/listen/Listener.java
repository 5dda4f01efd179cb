package dev.baton.sidecar.listen;

/**
 * A socket the supervisor opened and holds for its whole life.
 *
 * @param spec     what the user asked for
 * @param fd       the descriptor in the supervisor (close-on-exec, kept above the workers' range)
 * @param workerFd the descriptor number the worker receives it as
 */
public record Listener(ListenSpec spec, int fd, int workerFd) {

    /** This listener's entry in {@code SERVER_STARTER_PORT}, e.g. {@code 127.0.0.1:8081=4}. */
    public String envEntry() {
        return spec.envSpec() + "=" + workerFd;
    }
}
