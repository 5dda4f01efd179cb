package dev.baton.e2e.timeline;

import java.util.Locale;

/** A {@link Canvas} that writes SVG 1.1 text: no library, any browser shows it. */
final class SvgCanvas implements Canvas {

  private final StringBuilder svg = new StringBuilder();

  SvgCanvas(int width, int height) {
    svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
            + " viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">%n", width, height, width, height))
        .append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
  }

  @Override
  public void rect(double x, double y, double width, double height, String fill, double opacity) {
    svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>%n",
        x, y, Math.max(0, width), Math.max(0, height), fill, opacity(opacity, "fill-opacity")));
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, String stroke, double width, boolean dashed) {
    svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
        + " stroke-width=\"%.1f\"%s/>%n", x1, y1, x2, y2, stroke, width, dashed ? " stroke-dasharray=\"4 3\"" : ""));
  }

  @Override
  public void polyline(double[] xs, double[] ys, String stroke, double width) {
    svg.append("<polyline fill=\"none\" stroke=\"").append(stroke).append('"')
        .append(String.format(Locale.ROOT, " stroke-width=\"%.1f\" stroke-linejoin=\"round\" points=\"", width));
    points(xs, ys);
    svg.append("\"/>\n");
  }

  @Override
  public void text(double x, double y, String text, double size, Anchor anchor, String colour, boolean bold) {
    svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" fill=\"%s\"%s%s>", x, y, size,
        colour, anchor == Anchor.START ? "" : anchor == Anchor.MIDDLE ? " text-anchor=\"middle\"" : " text-anchor=\"end\"",
        bold ? " font-weight=\"bold\"" : "")).append(escape(text)).append("</text>\n");
  }

  @Override
  public void verticalText(double x, double y, String text, double size, String colour) {
    svg.append(String.format(Locale.ROOT, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" font-size=\"%.0f\""
        + " fill=\"%s\" text-anchor=\"middle\">", x, y, size, colour)).append(escape(text)).append("</text>\n");
  }

  String finish() {
    return svg + "</svg>\n";
  }

  private void points(double[] xs, double[] ys) {
    for (int i = 0; i < xs.length; i++) {
      if (i > 0) {
        svg.append(' ');
      }
      svg.append(String.format(Locale.ROOT, "%.1f,%.1f", xs[i], ys[i]));
    }
  }

  private static String opacity(double opacity, String attribute) {
    return opacity >= 1 ? "" : String.format(Locale.ROOT, " %s=\"%.2f\"", attribute, opacity);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
