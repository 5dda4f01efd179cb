package dev.baton.e2e.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.testkit.load.RequestLog.Outcome;
import dev.baton.testkit.load.RequestLog.Request;
import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Buckets, bands and HUPs from a run's records, and the picture of them in SVG, PNG and TSV. */
class TimelineTest {

  private static final long T0 = 1_700_000_000_000L;

  @TempDir
  Path dir;

  /** A request that ended {@code endMillis} after T0 and took {@code latencyMillis}. */
  private static Request ended(long endMillis, long latencyMillis, Outcome outcome, int generation) {
    return new Request((T0 + endMillis - latencyMillis) * 1000, latencyMillis * 1000, outcome, generation);
  }

  private static final List<Request> REQUESTS = List.of(
      ended(-5, 100, Outcome.OK, 1),        // ended before the run: left out
      ended(10, 10, Outcome.OK, 1),
      ended(50, 20, Outcome.OK, 1),
      ended(99, 300, Outcome.OK, 1),        // the slowest of bucket 0: its p99
      ended(150, 40, Outcome.FAILED, -1),   // bucket 1: a failure, no answer
      ended(210, 100, Outcome.OK, 2),
      ended(260, 100, Outcome.NON_2XX, 2),  // counted as failed, not answered
      ended(300, 100, Outcome.OK, 2));      // ends when the run ends: left out

  private static final List<GenerationLives.Life> LIVES = List.of(
      new GenerationLives.Life(101, 1, T0 - 5000, T0 - 4000, T0 + 120, T0 + 240),
      new GenerationLives.Life(102, 2, T0 + 20, T0 + 110, -1, -1),
      new GenerationLives.Life(100, 0, T0 - 9000, T0 - 8000, T0 - 7000, T0 - 6000)); // gone before the run

  private final Timeline timeline = Timeline.of("test run", T0, T0 + 300, 100, REQUESTS, LIVES, List.of(T0 + 15, T0 + 400));

  @Test
  void requestsGoToTheBucketTheyEndedInWithTheirRateAndP99() {
    assertThat(timeline.buckets()).hasSize(3);
    Timeline.Bucket first = timeline.buckets().get(0);
    assertThat(first.rps()).isEqualTo(30.0);
    assertThat(first.p99Millis()).isEqualTo(300.0);
    assertThat(first.failed()).isZero();
    assertThat(first.rpsByGeneration()).containsExactly(entry(1, 30.0));
    assertThat(timeline.buckets().get(1)).isEqualTo(new Timeline.Bucket(0.1, 0, 0, 1, new TreeMap<>()));
    assertThat(timeline.buckets().get(2)).isEqualTo(new Timeline.Bucket(0.2, 10, 100, 1, new TreeMap<>(Map.of(2, 10.0))));
    assertThat(timeline.answered()).isEqualTo(4);
    assertThat(timeline.failed()).isEqualTo(2);
  }

  @Test
  void generationsAliveInTheRunBecomeBandsInSecondsAndHupsOutsideItAreLeftOut() {
    assertThat(timeline.bands()).hasSize(2);
    Timeline.Band old = timeline.bands().get(0);
    assertThat(old.generation()).isEqualTo(1);
    assertThat(old.spawn()).isEqualTo(-5.0);
    assertThat(old.signal()).isCloseTo(0.12, within(1e-9));
    assertThat(old.exit()).isCloseTo(0.24, within(1e-9));
    Timeline.Band serving = timeline.bands().get(1);
    assertThat(serving.ready()).isCloseTo(0.11, within(1e-9));
    assertThat(serving.signal()).isNaN();
    assertThat(timeline.hups()).containsExactly(0.015);
  }

  @Test
  void theTsvHasTheBucketsTheGenerationsAndTheHupsAsGnuplotBlocks() {
    String[] blocks = timeline.tsv().split("\n\n\n");
    assertThat(blocks).hasSize(3);
    assertThat(blocks[0]).contains("0.000\t30\t300.0\t0", "0.100\t0\t0.0\t1", "0.200\t10\t100.0\t1");
    assertThat(blocks[1]).contains("1\t101\t-5.000\t-4.000\t0.120\t0.240", "2\t102\t0.020\t0.110\tNaN\tNaN");
    assertThat(blocks[2]).contains("0.015");
  }

  @Test
  void theSvgDrawsEveryBucketEveryBandAndEveryHup() throws Exception {
    List<Path> files = TimelinePicture.writeAll(timeline, dir.resolve("run"));
    assertThat(files).extracting(p -> p.getFileName().toString()).contains("run.svg", "run.tsv");
    String svg = Files.readString(dir.resolve("run.svg"));
    assertThat(svg).startsWith("<?xml").endsWith("</svg>\n").contains("test run", "4 requests answered, 2 failed");
    // requests/s: a step with two points per bucket, over a bar per bucket and answering generation
    Matcher outline = Pattern.compile("<polyline[^>]*stroke=\"#4e79a7\"[^>]*points=\"([^\"]*)\"").matcher(svg);
    assertThat(outline.find()).isTrue();
    assertThat(outline.group(1).split(" ")).hasSize(3 * 2);
    assertThat(count(svg, "fill=\"#a0cbe8\" fill-opacity=\"0.55\"")).as("generation 1's bar (odd), the legend's").isEqualTo(2);
    assertThat(count(svg, "fill=\"#4e79a7\" fill-opacity=\"0.55\"")).as("generation 2's bar (even), the legend's").isEqualTo(2);
    // each band in three parts: starting, serving, draining
    assertThat(count(svg, "fill=\"#bab0ac\"")).isEqualTo(2 + 1); // + the legend's swatch
    assertThat(count(svg, "fill=\"#59a14f\"")).isEqualTo(2 + 1);
    assertThat(count(svg, "stroke=\"#e15759\" stroke-width=\"1.0\" stroke-dasharray")).isEqualTo(1); // one HUP
    assertThat(count(svg, "fill=\"#e15759\" fill-opacity")).isEqualTo(2 + 1); // two buckets with failures
  }

  @Test
  void thePngIsAnImageWithTheServingBandInGreen() throws Exception {
    assumeTrue(fonts(), "Java 2D finds no font to draw the PNG's text with: apt-get install fontconfig fonts-dejavu-core");
    Path png = dir.resolve("run.png");
    TimelinePicture.write(timeline, png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(TimelinePicture.WIDTH);
    // generation 2 serves from 0.11 s to the end, in the lane below generation 1's (they overlap)
    boolean green = false;
    for (int y = 0; y < image.getHeight() && !green; y++) {
      green = new Color(image.getRGB(TimelinePicture.WIDTH - 60, y)).equals(new Color(0x59a14f));
    }
    assertThat(green).as("a green (serving) pixel near the right edge").isTrue();
  }

  @Test
  void ticksAreRoundNumbers() {
    assertThat(TimelinePicture.ticks(9.3, 5)).containsExactly(0, 2, 4, 6, 8);
    assertThat(TimelinePicture.ticks(2300, 5)).containsExactly(0, 500, 1000, 1500, 2000);
  }

  private static boolean fonts() {
    try {
      return GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames().length > 0;
    } catch (RuntimeException | Error none) {
      return false;
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
