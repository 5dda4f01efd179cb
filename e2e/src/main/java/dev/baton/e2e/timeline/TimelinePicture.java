package dev.baton.e2e.timeline;

import dev.baton.e2e.timeline.Canvas.Anchor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws a {@link Timeline}: requests answered per second on top (shaded by the generation that answered,
 * odd and even ones apart, so that a switch shows who carried the load), their p99 latency below, then one band
 * per generation (starting, serving, draining) in as few lanes as overlap needs, HUPs as dashed lines
 * through all three, buckets with failed requests shaded red. Written as SVG (drawn by this class, no
 * library and no system package: a browser shows it, and it diffs as text) or PNG (Java 2D, headless),
 * with the numbers beside it as TSV for gnuplot or a spreadsheet.
 */
public final class TimelinePicture {

  static final int WIDTH = 1200;
  private static final double LEFT = 78;
  private static final double RIGHT = 24;
  private static final double PLOT_WIDTH = WIDTH - LEFT - RIGHT;
  private static final double RPS_TOP = 64;
  private static final double RPS_HEIGHT = 190;
  private static final double P99_TOP = RPS_TOP + RPS_HEIGHT + 34;
  private static final double P99_HEIGHT = 130;
  private static final double LANES_TOP = P99_TOP + P99_HEIGHT + 34;
  private static final double LANE_HEIGHT = 20;

  private static final String INK = "#333333";
  private static final String GREY = "#666666";
  private static final String GRID = "#e6e6e6";
  private static final String FRAME = "#bbbbbb";
  private static final String RPS = "#4e79a7";
  /** Answers of even and odd generations: who served during a switch. */
  private static final String[] GENERATION_SHADES = {RPS, "#a0cbe8"};
  private static final String P99 = "#f28e2b";
  private static final String STARTING = "#bab0ac";
  private static final String SERVING = "#59a14f";
  private static final String DRAINING = "#edc948";
  private static final String HUP = "#e15759";
  private static final String FAILED = "#e15759";

  private final Timeline timeline;
  private final List<Lane> lanes;
  private final int height;

  /** A band placed in a lane, its three parts in seconds clipped to the run. */
  private record Lane(Timeline.Band band, int lane, double start, double ready, double signal, double end) {}

  private TimelinePicture(Timeline timeline) {
    this.timeline = timeline;
    this.lanes = place(timeline);
    int laneCount = lanes.stream().mapToInt(Lane::lane).max().orElse(-1) + 1;
    this.height = (int) (LANES_TOP + Math.max(1, laneCount) * LANE_HEIGHT + 6 + 76);
  }

  /**
   * Writes {@code base.svg}, {@code base.png} and {@code base.tsv}; returns the files written. The PNG
   * needs Java 2D's fonts: without them it is left out and the list says so in its last element's name.
   */
  public static List<Path> writeAll(Timeline timeline, Path base) throws IOException {
    List<Path> written = new ArrayList<>();
    String name = base.getFileName().toString();
    Path svg = base.resolveSibling(name + ".svg");
    write(timeline, svg);
    written.add(svg);
    Path png = base.resolveSibling(name + ".png");
    try {
      write(timeline, png);
      written.add(png);
    } catch (RuntimeException | Error noFonts) { // headless JDK without fontconfig or fonts
      Files.deleteIfExists(png);
    }
    Path tsv = base.resolveSibling(name + ".tsv");
    Files.writeString(tsv, timeline.tsv());
    written.add(tsv);
    return written;
  }

  /** Writes the picture as SVG or PNG, by the file's extension. */
  public static void write(Timeline timeline, Path file) throws IOException {
    TimelinePicture picture = new TimelinePicture(timeline);
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    if (name.endsWith(".png")) {
      ImageCanvas canvas = new ImageCanvas(WIDTH, picture.height);
      picture.draw(canvas);
      if (!ImageIO.write(canvas.finish(), "png", file.toFile())) {
        throw new IOException("no PNG writer in this JDK");
      }
    } else if (name.endsWith(".svg")) {
      SvgCanvas canvas = new SvgCanvas(WIDTH, picture.height);
      picture.draw(canvas);
      Files.writeString(file, canvas.finish());
    } else {
      throw new IllegalArgumentException("a timeline picture is .svg or .png, not " + file.getFileName());
    }
  }

  private void draw(Canvas c) {
    Timeline t = timeline;
    c.text(LEFT, 26, t.title(), 16, Anchor.START, INK, true);
    long generations = t.bands().stream().mapToInt(Timeline.Band::generation).distinct().count();
    c.text(LEFT, 46, String.format(Locale.ROOT, "%,d requests answered, %,d failed · %d HUPs · %d generations · %.0f ms buckets",
        t.answered(), t.failed(), t.hups().size(), generations, t.bucketSeconds() * 1000), 12,
        Anchor.START, t.failed() > 0 ? FAILED : GREY, t.failed() > 0);

    double lanesHeight = Math.max(1, lanes.stream().mapToInt(Lane::lane).max().orElse(0) + 1) * LANE_HEIGHT + 6;
    double[] xTicks = ticks(t.seconds(), 12);
    for (double[] panel : new double[][] {{RPS_TOP, RPS_HEIGHT}, {P99_TOP, P99_HEIGHT}, {LANES_TOP, lanesHeight}}) {
      for (double tick : xTicks) {
        c.line(x(tick), panel[0], x(tick), panel[0] + panel[1], GRID, 1, false);
      }
    }

    double maxRps = t.buckets().stream().mapToDouble(Timeline.Bucket::rps).max().orElse(0);
    double rpsTop = yAxis(c, RPS_TOP, RPS_HEIGHT, maxRps, "requests/s");
    double maxP99 = t.buckets().stream().mapToDouble(Timeline.Bucket::p99Millis).max().orElse(0);
    double p99Top = yAxis(c, P99_TOP, P99_HEIGHT, maxP99, "p99 ms");

    for (Timeline.Bucket b : t.buckets()) {
      if (b.failed() > 0) {
        c.rect(x(b.startSeconds()), RPS_TOP, Math.max(2, x(t.bucketSeconds()) - LEFT), RPS_HEIGHT, FAILED, 0.35);
      }
    }
    drawRps(c, rpsTop);
    drawP99(c, p99Top);
    drawLanes(c, lanesHeight);

    for (double hup : t.hups()) {
      c.line(x(hup), RPS_TOP - 8, x(hup), LANES_TOP + lanesHeight, HUP, 1, true);
      c.line(x(hup), RPS_TOP - 8, x(hup), RPS_TOP, HUP, 2.5, false);
    }
    for (double[] panel : new double[][] {{RPS_TOP, RPS_HEIGHT}, {P99_TOP, P99_HEIGHT}, {LANES_TOP, lanesHeight}}) {
      frame(c, panel[0], panel[1]);
    }
    c.text(LEFT + 6, RPS_TOP + 15, "requests answered per second", 12, Anchor.START, INK, true);
    c.text(LEFT + 6, P99_TOP + 15, "p99 latency of the requests ending in each bucket", 12, Anchor.START, INK, true);

    double axisY = LANES_TOP + lanesHeight;
    for (double tick : xTicks) {
      c.line(x(tick), axisY, x(tick), axisY + 4, FRAME, 1, false);
      c.text(x(tick), axisY + 17, number(tick), 11, Anchor.MIDDLE, GREY, false);
    }
    c.text(LEFT + PLOT_WIDTH / 2, axisY + 34, "seconds since the load started", 12, Anchor.MIDDLE, GREY, false);
    c.verticalText(LEFT - 52, LANES_TOP + lanesHeight / 2, "generations", 12, GREY);
    legend(c, axisY + 58);
  }

  private void drawRps(Canvas c, double top) {
    List<Timeline.Bucket> buckets = timeline.buckets();
    double[] xs = new double[buckets.size() * 2];
    double[] ys = new double[buckets.size() * 2];
    for (int i = 0; i < buckets.size(); i++) {
      Timeline.Bucket b = buckets.get(i);
      double y = y(b.rps(), top, RPS_TOP, RPS_HEIGHT);
      xs[2 * i] = x(b.startSeconds());
      xs[2 * i + 1] = x(Math.min(timeline.seconds(), b.startSeconds() + timeline.bucketSeconds()));
      ys[2 * i] = y;
      ys[2 * i + 1] = y;
    }
    double width = x(timeline.bucketSeconds()) - LEFT;
    for (Timeline.Bucket b : buckets) {
      double base = RPS_TOP + RPS_HEIGHT;
      for (Map.Entry<Integer, Double> share : b.rpsByGeneration().entrySet()) {
        double h = RPS_HEIGHT * Math.min(share.getValue(), top) / top;
        c.rect(x(b.startSeconds()), base - h, width, h, GENERATION_SHADES[Math.floorMod(share.getKey(), 2)], 0.55);
        base -= h;
      }
    }
    c.polyline(xs, ys, RPS, 1);
  }

  /** A line through the buckets that had answers; a gap where none ended. */
  private void drawP99(Canvas c, double top) {
    List<double[]> run = new ArrayList<>();
    for (Timeline.Bucket b : timeline.buckets()) {
      if (b.rps() > 0) {
        run.add(new double[] {x(b.startSeconds() + timeline.bucketSeconds() / 2), y(b.p99Millis(), top, P99_TOP, P99_HEIGHT)});
      } else {
        flush(c, run);
      }
    }
    flush(c, run);
  }

  private static void flush(Canvas c, List<double[]> run) {
    if (run.size() == 1) {
      c.rect(run.get(0)[0] - 1.5, run.get(0)[1] - 1.5, 3, 3, P99, 1);
    } else if (run.size() > 1) {
      c.polyline(run.stream().mapToDouble(p -> p[0]).toArray(), run.stream().mapToDouble(p -> p[1]).toArray(), P99, 1.3);
    }
    run.clear();
  }

  private void drawLanes(Canvas c, double lanesHeight) {
    for (Lane l : lanes) {
      double top = LANES_TOP + 4 + l.lane() * LANE_HEIGHT;
      double h = LANE_HEIGHT - 5;
      c.rect(x(l.start()), top, x(l.ready()) - x(l.start()), h, STARTING, 1);
      c.rect(x(l.ready()), top, x(l.signal()) - x(l.ready()), h, SERVING, 1);
      c.rect(x(l.signal()), top, x(l.end()) - x(l.signal()), h, DRAINING, 1);
      String label = "g" + l.band().generation();
      double serving = x(l.signal()) - x(l.ready());
      double whole = x(l.end()) - x(l.start());
      if (serving >= 8 * label.length()) {
        c.text((x(l.ready()) + x(l.signal())) / 2, top + h - 4, label, 10, Anchor.MIDDLE, "#ffffff", true);
      } else if (whole >= 8 * label.length()) {
        c.text((x(l.start()) + x(l.end())) / 2, top + h - 4, label, 10, Anchor.MIDDLE, INK, true);
      }
    }
    if (lanes.isEmpty()) {
      c.text(LEFT + 6, LANES_TOP + 16, "no generation seen", 11, Anchor.START, GREY, false);
    }
  }

  private void legend(Canvas c, double y) {
    double x = LEFT;
    x = swatch(c, x, y, GENERATION_SHADES[1], 0.55, "answered: odd gen.");
    x = swatch(c, x, y, GENERATION_SHADES[0], 0.55, "even gen.");
    c.line(x, y - 4, x + 18, y - 4, P99, 2, false);
    c.text(x + 24, y, "p99 latency", 12, Anchor.START, INK, false);
    x += 24 + 7 * 11 + 14;
    x = swatch(c, x, y, STARTING, 1, "starting (spawn→ready)");
    x = swatch(c, x, y, SERVING, 1, "serving (ready→signal)");
    x = swatch(c, x, y, DRAINING, 1, "draining (signal→exit)");
    c.line(x + 8, y - 12, x + 8, y + 2, HUP, 1.5, true);
    c.text(x + 16, y, "HUP", 12, Anchor.START, INK, false);
    x += 16 + 7 * 3 + 14;
    swatch(c, x, y, FAILED, 0.35, "failed");
  }

  private static double swatch(Canvas c, double x, double y, String colour, double opacity, String label) {
    c.rect(x, y - 10, 18, 11, colour, opacity);
    c.text(x + 24, y, label, 12, Anchor.START, INK, false);
    return x + 24 + 7 * label.length() + 14;
  }

  /** Grid lines and labels of a y axis from 0; returns the value at the panel's top. */
  private static double yAxis(Canvas c, double top, double height, double max, String label) {
    double[] ticks = ticks(max <= 0 ? 1 : max * 1.08, 5);
    double axisMax = Math.max(ticks[ticks.length - 1], max <= 0 ? 1 : max * 1.08);
    for (double tick : ticks) {
      double y = y(tick, axisMax, top, height);
      c.line(LEFT, y, LEFT + PLOT_WIDTH, y, GRID, 1, false);
      c.text(LEFT - 6, y + 4, number(tick), 11, Anchor.END, GREY, false);
    }
    c.verticalText(LEFT - 52, top + height / 2, label, 12, GREY);
    return axisMax;
  }

  private static void frame(Canvas c, double top, double height) {
    c.line(LEFT, top, LEFT + PLOT_WIDTH, top, FRAME, 1, false);
    c.line(LEFT, top + height, LEFT + PLOT_WIDTH, top + height, FRAME, 1, false);
    c.line(LEFT, top, LEFT, top + height, FRAME, 1, false);
    c.line(LEFT + PLOT_WIDTH, top, LEFT + PLOT_WIDTH, top + height, FRAME, 1, false);
  }

  private double x(double seconds) {
    return LEFT + PLOT_WIDTH * Math.max(0, Math.min(seconds, timeline.seconds())) / Math.max(1e-9, timeline.seconds());
  }

  private static double y(double value, double axisMax, double top, double height) {
    return top + height - height * Math.max(0, Math.min(value, axisMax)) / axisMax;
  }

  /** Round ticks from 0 to at least {@code max}: steps of 1, 2 or 5 times a power of ten, about {@code count} of them. */
  static double[] ticks(double max, int count) {
    double raw = Math.max(max, 1e-9) / count;
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = raw / power <= 1 ? power : raw / power <= 2 ? 2 * power : raw / power <= 5 ? 5 * power : 10 * power;
    int n = (int) Math.floor(max / step + 1e-9);
    double[] ticks = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      ticks[i] = i * step;
    }
    return ticks;
  }

  private static String number(double value) {
    return value == Math.rint(value) ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
  }

  /** Each generation in the first lane free when it starts; its parts clipped to the run. */
  private static List<Lane> place(Timeline t) {
    List<Lane> placed = new ArrayList<>();
    List<Double> laneEnds = new ArrayList<>();
    List<Timeline.Band> bands = new ArrayList<>(t.bands());
    bands.sort((a, b) -> Double.compare(clip(a.spawn(), 0, t), clip(b.spawn(), 0, t)));
    for (Timeline.Band b : bands) {
      boolean before = Double.isNaN(b.spawn()) || b.spawn() < 0;
      double start = clip(b.spawn(), 0, t);
      double end = clip(b.exit(), t.seconds(), t);
      double signal = clip(b.signal(), end, t);
      // never ready: starting all along, unless it started before the run (then it was serving)
      double ready = !Double.isNaN(b.ready()) ? clip(b.ready(), start, t) : before ? start : signal;
      int lane = 0;
      while (lane < laneEnds.size() && laneEnds.get(lane) > start + 1e-6) {
        lane++;
      }
      if (lane == laneEnds.size()) {
        laneEnds.add(end);
      } else {
        laneEnds.set(lane, end);
      }
      placed.add(new Lane(b, lane, start, Math.min(ready, end), Math.min(Math.max(signal, ready), end), end));
    }
    return placed;
  }

  private static double clip(double seconds, double ifUnknown, Timeline t) {
    return Double.isNaN(seconds) ? ifUnknown : Math.max(0, Math.min(seconds, t.seconds()));
  }
}
