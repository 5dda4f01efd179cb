package dev.baton.e2e.timeline;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/** A {@link Canvas} painted with Java 2D (headless) into an image, for PNG. */
final class ImageCanvas implements Canvas {

  private final BufferedImage image;
  private final Graphics2D g;

  ImageCanvas(int width, int height) {
    image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
  }

  @Override
  public void rect(double x, double y, double width, double height, String fill, double opacity) {
    paint(fill, opacity);
    g.fill(new Rectangle2D.Double(x, y, Math.max(0, width), Math.max(0, height)));
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, String stroke, double width, boolean dashed) {
    paint(stroke, 1);
    g.setStroke(dashed ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
        new float[] {4, 3}, 0) : new BasicStroke((float) width));
    g.draw(new Line2D.Double(x1, y1, x2, y2));
  }

  @Override
  public void polyline(double[] xs, double[] ys, String stroke, double width) {
    if (xs.length == 0) {
      return;
    }
    paint(stroke, 1);
    g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND));
    Path2D.Double path = new Path2D.Double();
    path.moveTo(xs[0], ys[0]);
    for (int i = 1; i < xs.length; i++) {
      path.lineTo(xs[i], ys[i]);
    }
    g.draw(path);
  }

  @Override
  public void text(double x, double y, String text, double size, Anchor anchor, String colour, boolean bold) {
    paint(colour, 1);
    g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, (int) Math.round(size)));
    FontMetrics metrics = g.getFontMetrics();
    int width = metrics.stringWidth(text);
    double left = anchor == Anchor.START ? x : anchor == Anchor.MIDDLE ? x - width / 2.0 : x - width;
    g.drawString(text, (float) left, (float) y);
  }

  @Override
  public void verticalText(double x, double y, String text, double size, String colour) {
    AffineTransform saved = g.getTransform();
    g.translate(x, y);
    g.rotate(-Math.PI / 2);
    text(0, 0, text, size, Anchor.MIDDLE, colour, false);
    g.setTransform(saved);
  }

  BufferedImage finish() {
    g.dispose();
    return image;
  }

  private void paint(String colour, double opacity) {
    g.setColor(Color.decode(colour));
    g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) Math.min(1, Math.max(0, opacity))));
  }
}
