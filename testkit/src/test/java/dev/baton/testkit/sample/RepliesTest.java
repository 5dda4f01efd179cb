package dev.baton.testkit.sample;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sample workers' bodies, and bodies that name no worker. */
class RepliesTest {

  @Test
  void eachSampleNamesItsWorker() {
    assertThat(Replies.SAMPLE.read("gen=000003 pid=0012345 server=jdk  \n")).isEqualTo(new Replies.Who(12345, 3));
    assertThat(Replies.PID_AND_GENERATION.read("4242:7")).isEqualTo(new Replies.Who(4242, 7));
    assertThat(Replies.PID_AND_GENERATION.read("4242:7:v1\nv2")).isEqualTo(new Replies.Who(4242, 7));
    assertThat(Replies.PID_AND_GENERATION.read("      4242:2\n")).isEqualTo(new Replies.Who(4242, 2));
    assertThat(Replies.PID.read("pid:4242\n")).isEqualTo(new Replies.Who(4242, -1));
  }

  @Test
  void aBodyInAnotherFormNamesNone() {
    assertThat(Replies.SAMPLE.read("hello")).isNull();
    assertThat(Replies.PID_AND_GENERATION.read("hello")).isNull();
    assertThat(Replies.PID_AND_GENERATION.read("")).isNull();
    assertThat(Replies.PID.read("pid:4242")).isNull();
    assertThat(Replies.PID.read("200 pid:4242\n")).isNull();
  }
}
