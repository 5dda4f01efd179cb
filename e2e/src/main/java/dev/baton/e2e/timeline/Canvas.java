package dev.baton.e2e.timeline;

/**
 * The few drawing operations the timeline picture needs, in pixels from the top left, colours as
 * {@code #rrggbb}: written as SVG text ({@link SvgCanvas}) or painted into a PNG ({@link ImageCanvas}).
 */
interface Canvas {

  /** Where a text's {@code x} is. */
  enum Anchor { START, MIDDLE, END }

  void rect(double x, double y, double width, double height, String fill, double opacity);

  void line(double x1, double y1, double x2, double y2, String stroke, double width, boolean dashed);

  /** A line through the points. */
  void polyline(double[] xs, double[] ys, String stroke, double width);

  void text(double x, double y, String text, double size, Anchor anchor, String colour, boolean bold);

  /** Text turned a quarter left, reading upwards, centred on {@code (x, y)}. */
  void verticalText(double x, double y, String text, double size, String colour);
}
