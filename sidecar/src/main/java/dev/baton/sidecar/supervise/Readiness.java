package dev.baton.sidecar.supervise;

import java.util.List;
import java.util.Map;

/** When a new generation counts as ready to take over. */
public enum Readiness {
    /**
     * {@code READY=1} if the worker runs Baton's agent (which always says it) or speaks sd_notify at all
     * before {@code --interval}; otherwise alive after it.
     */
    AUTO,
    /** Only {@code READY=1} on NOTIFY_SOCKET (or BATON_NOTIFY_FD). */
    NOTIFY,
    /** start_server's rule alone: still alive after {@code --interval}. */
    ALIVE;

    /** The variables through which a JVM takes options a user did not put on its command line. */
    private static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

    /**
     * Whether a worker visibly runs Baton's agent ({@code -javaagent:...baton-agent...} on its command line
     * or in the JVM's option variables): it says {@code READY=1} once it accepts, so in {@code auto} the
     * supervisor waits for that instead of the {@code --interval} rule. A JVM can take longer than the
     * interval (1 s by default) just to reach the agent on a loaded host or under a CPU limit, and would
     * otherwise be called ready before it accepts.
     */
    static boolean runsBatonAgent(List<String> command, Map<String, String> env) {
        for (String argument : command) {
            if (namesBatonAgent(argument)) {
                return true;
            }
        }
        for (String variable : JVM_OPTION_VARIABLES) {
            String options = env.get(variable);
            if (options != null) {
                for (String option : options.trim().split("\\s+")) {
                    if (namesBatonAgent(option)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean namesBatonAgent(String argument) {
        return argument.startsWith("-javaagent:") && argument.contains("baton-agent");
    }
}
