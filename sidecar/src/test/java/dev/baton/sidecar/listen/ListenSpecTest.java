package dev.baton.sidecar.listen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** --port values parse as Perl's Server::Starter 0.35 parses them, and print into the env as it prints them. */
class ListenSpecTest {

    @ParameterizedTest(name = "--port={0}")
    @CsvSource(delimiter = '|', value = {
        // given            | env spec        | host      | port | udp   | fd
        "8080               | 8080            |           | 8080 | false | -1",
        "' 8080 '           | 8080            |           | 8080 | false | -1",
        "8080=5             | 8080            |           | 8080 | false | 5",
        "u53                | 53              |           | 53   | true  | -1",
        "127.0.0.1:8081     | 127.0.0.1:8081  | 127.0.0.1 | 8081 | false | -1",
        "127.0.0.1:8081=4   | 127.0.0.1:8081  | 127.0.0.1 | 8081 | false | 4",
        "localhost:u5353    | localhost:5353  | localhost | 5353 | true  | -1",
        "[::1]:8083         | [::1]:8083      | ::1       | 8083 | false | -1",
        "[ ::1 ]:8083=7     | [::1]:8083      | ::1       | 8083 | false | 7",
        "::1:8083           | [::1]:8083      | ::1       | 8083 | false | -1",
    })
    void parsesLikeStartServer(String given, String env, String host, int port, boolean udp, int fd) {
        ListenSpec spec = ListenSpec.port(given);
        assertThat(spec.envSpec()).isEqualTo(env);
        assertThat(spec.host()).isEqualTo(host);
        assertThat(spec.port()).isEqualTo(port);
        assertThat(spec.udp()).isEqualTo(udp);
        assertThat(spec.fixedFd()).isEqualTo(fd < 0 ? OptionalInt.empty() : OptionalInt.of(fd));
    }

    @ParameterizedTest(name = "--port={0}")
    @ValueSource(strings = {"", "http", "80a", ":80", "80=x", "host:", "99999", "8080=2", "8080=100"})
    void rejectsWithTheFormInTheMessage(String given) {
        assertThatThrownBy(() -> ListenSpec.port(given)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid --port '" + given + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp/app.sock", "relative.sock"})
    void aPathIsItsOwnEnvSpec(String path) {
        assertThat(ListenSpec.path(path).envSpec()).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(ints = {108, 200})
    void aPathLongerThanSunPathIsRejectedUpFront(int length) {
        assertThatThrownBy(() -> ListenSpec.path("/" + "x".repeat(length))).hasMessageContaining("limited to 107 bytes");
    }
}
