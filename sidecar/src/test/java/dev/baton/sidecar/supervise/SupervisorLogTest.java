package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.baton.sidecar.posix.Signals;
import io.vertx.core.json.JsonObject;

/**
 * What the supervisor's log says about its workers, for a person and for a log pipeline: a worker's
 * exit as a person reads it beside start_server's raw status (Perl's line alone under
 * --compat=start_server), and with --log-format=json one object a line, a worker's generation and pid
 * on the lines about it.
 */
class SupervisorLogTest {

    @Test
    void aWorkersExitReadsAsAPersonReadsItBesideStartServersStatus() {
        try (var s = new InProcessSupervisor().serving()) {
            int first = s.pid(1);
            s.workers.ignoreTerm(first); // it drains; the test ends it
            s.hup();
            s.ready(2);
            s.exit(1, 143); // a JVM's exit after its TERM handler ran
            assertThat(s.log()).contains("old worker " + first + " died, status:36608 = exit code 143 (TERM)");
            int second = s.pid(2);
            s.exitBySignal(2, Signals.SIGKILL);
            assertThat(s.log()).contains("worker " + second + " died unexpectedly with status:9 = killed by SIGKILL, restarting");
        }
    }

    @Test
    void underTheStartServerNameTheLinesStayPerls() {
        try (var s = new InProcessSupervisor("--compat=start_server").serving()) {
            int first = s.pid(1);
            s.workers.ignoreTerm(first);
            s.hup();
            s.ready(2);
            s.exit(1, 143);
            assertThat(s.log()).contains("old worker " + first + " died, status:36608");
        }
    }

    @Test
    void jsonLinesCarryTimeLevelMessageAndTheWorkersGenerationAndPid() {
        try (var s = new InProcessSupervisor("--log-format=json", "--drain-timeout=1s").serving()) {
            int first = s.pid(1);
            s.workers.ignoreTerm(first);
            s.hup();
            s.ready(2);
            s.advance(java.time.Duration.ofSeconds(1)); // generation 1 ignores TERM: KILL after --drain-timeout
            s.exitBySignal(1, Signals.SIGKILL);

            List<JsonObject> lines = s.log().stream().map(JsonObject::new).toList(); // each line one object
            for (JsonObject line : lines) {
                assertThat(line.fieldNames()).as(line.encode()).contains("time", "level", "logger", "msg");
                assertThat(OffsetDateTime.parse(line.getString("time"))).isNotNull(); // RFC 3339
                assertThat(line.getString("level")).isIn("info", "warning", "error");
                assertThat(line.getString("logger")).isEqualTo("baton");
            }
            assertThat(find(lines, "starting new worker " + first)).containsEntry("generation", 1).containsEntry("pid", first);
            assertThat(find(lines, "(generation 2) is ready")).containsEntry("generation", 2).containsEntry("pid", s.pid(2));
            assertThat(find(lines, "still running 1 s after TERM")).containsEntry("level", "warning")
                    .containsEntry("generation", 1).containsEntry("pid", first);
            assertThat(find(lines, "old worker " + first + " died")).containsEntry("generation", 1).containsEntry("pid", first)
                    .containsEntry("status", 9).containsEntry("signal", "KILL")
                    .containsEntry("msg", "old worker " + first + " died, status:9 = killed by SIGKILL");
            assertThat(find(lines, "received HUP")).doesNotContainKeys("generation", "pid");
        }
    }

    @Test
    void theWorkersAreToldTheFormatSoThatTheAgentLogsAlike() {
        try (var s = new InProcessSupervisor("--log-format=json", "--log-timestamps").serving()) {
            assertThat(s.workers.generation(1).env()).containsEntry("BATON_LOG_FORMAT", "json").containsEntry("BATON_LOG_TIMESTAMPS", "true");
        }
        try (var s = new InProcessSupervisor().serving()) { // the defaults: the environment stays start_server's
            assertThat(s.workers.generation(1).env()).doesNotContainKeys("BATON_LOG_FORMAT", "BATON_LOG_TIMESTAMPS");
        }
    }

    private static Map<String, Object> find(List<JsonObject> lines, String msgPart) {
        return lines.stream().filter(l -> l.getString("msg").contains(msgPart)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with '" + msgPart + "' in " + lines)).getMap();
    }
}
