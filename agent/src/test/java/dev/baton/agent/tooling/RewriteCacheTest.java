package dev.baton.agent.tooling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rewrite cache hands back a rewrite only for the exact class file it was made from. */
class RewriteCacheTest {

  private static final byte[] ORIGINAL = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 1, 2, 3};
  private static final byte[] REWRITTEN = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 9, 9, 9, 9};

  @TempDir
  Path home;

  @Test
  void aStoredRewriteIsFoundForTheSameClassFile() throws IOException {
    RewriteCache cache = RewriteCache.at(home.resolve("cache"), "vm-1");
    assertThat(cache.hasEntries()).isFalse();

    cache.store("sun/nio/ch/Net", ORIGINAL, REWRITTEN);

    RewriteCache nextStart = RewriteCache.at(home.resolve("cache"), "vm-1");
    assertThat(nextStart.hasEntries()).isTrue();
    assertThat(nextStart.lookup("sun/nio/ch/Net", ORIGINAL.clone())).isEqualTo(REWRITTEN);
    assertThat(nextStart.lookup("sun/nio/ch/IOUtil", ORIGINAL)).isNull();
    assertThat(home.resolve("cache/vm-1")).isDirectoryContaining(p -> !p.toString().contains(".tmp-"));
  }

  @Test
  void anotherClassFileOfTheSameNameIsAMiss() throws IOException {
    RewriteCache cache = RewriteCache.at(home, "vm-1");
    cache.store("sun/nio/ch/Net", ORIGINAL, REWRITTEN);

    byte[] otherJdk = ORIGINAL.clone();
    otherJdk[6] = 4;
    assertThat(cache.lookup("sun/nio/ch/Net", otherJdk)).isNull();
    assertThat(cache.lookup("sun/nio/ch/Net", Arrays.copyOf(ORIGINAL, 6))).isNull();
  }

  @Test
  void anEntryCutShortIsAMissNotATruncatedClass() throws IOException {
    RewriteCache cache = RewriteCache.at(home, "vm-1");
    cache.store("sun/nio/ch/Net", ORIGINAL, REWRITTEN);
    Path entry = home.resolve("vm-1/sun.nio.ch.Net.class");
    byte[] whole = Files.readAllBytes(entry);

    Files.write(entry, Arrays.copyOf(whole, whole.length - 1));
    assertThat(cache.lookup("sun/nio/ch/Net", ORIGINAL)).isNull();
    Files.write(entry, new byte[] {1, 2});
    assertThat(cache.lookup("sun/nio/ch/Net", ORIGINAL)).isNull();
  }

  @Test
  void aDirectoryOthersCanWriteIsRefused() throws IOException {
    Path shared = Files.createDirectory(home.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertThatThrownBy(() -> RewriteCache.at(shared, "vm-1")).hasMessageContaining("writable by others");
  }

  @Test
  void itsDirectoriesAreTheOwnersOnly() throws IOException {
    RewriteCache.at(home.resolve("new"), "vm-1");

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("new")))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("new/vm-1"))))
        .isEqualTo("rwx------");
  }
}
