#include "glyphicons.h"

#include <QGuiApplication>
#include <QIconEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>

namespace llmsched::ui {

namespace {

// The glyph's strokes on a 24 x 24 grid.
QPainterPath strokes(Glyph g)
{
    QPainterPath p;
    const auto line = [&p](qreal x1, qreal y1, qreal x2, qreal y2) {
        p.moveTo(x1, y1);
        p.lineTo(x2, y2);
    };
    const auto arrowHead = [&line](qreal x, qreal y, qreal dx1, qreal dy1, qreal dx2, qreal dy2) {
        line(x, y, x + dx1, y + dy1);
        line(x, y, x + dx2, y + dy2);
    };
    switch (g) {
    case Glyph::Add:
        line(12, 4, 12, 20);
        line(4, 12, 20, 12);
        break;
    case Glyph::Import:
        line(12, 3, 12, 15);
        arrowHead(12, 15, -5, -5, 5, -5);
        p.moveTo(4, 15);
        p.lineTo(4, 20);
        p.lineTo(20, 20);
        p.lineTo(20, 15);
        break;
    case Glyph::Cancel:
        p.addEllipse(QPointF(12, 12), 8.5, 8.5);
        line(8.5, 8.5, 15.5, 15.5);
        line(15.5, 8.5, 8.5, 15.5);
        break;
    case Glyph::Retry: // a curved arrow going back
        p.moveTo(19, 17);
        p.cubicTo(19, 8, 12, 6, 6, 9);
        arrowHead(6, 9, 5, -4, 4, 4);
        break;
    case Glyph::Refresh: // a circle of arrows
        p.arcMoveTo(QRectF(3, 4, 16, 16), 60);
        p.arcTo(QRectF(3, 4, 16, 16), 60, 300); // ends at (19, 12), heading up
        arrowHead(19, 12, -3.5, 3.5, 3.5, 3.5);
        break;
    case Glyph::Pause:
        line(9, 5, 9, 19);
        line(15, 5, 15, 19);
        break;
    case Glyph::Resume:
        p.moveTo(8, 5);
        p.lineTo(19, 12);
        p.lineTo(8, 19);
        p.closeSubpath();
        break;
    case Glyph::Queue:
        for (qreal y : { 6.0, 12.0, 18.0 }) {
            p.addEllipse(QPointF(5, y), 1, 1);
            line(9, y, 20, y);
        }
        break;
    case Glyph::Models:
        p.addRoundedRect(QRectF(4, 4, 16, 7), 2, 2);
        p.addRoundedRect(QRectF(4, 13, 16, 7), 2, 2);
        p.addEllipse(QPointF(7.5, 7.5), 0.8, 0.8);
        p.addEllipse(QPointF(7.5, 16.5), 0.8, 0.8);
        break;
    case Glyph::Statistics:
        p.moveTo(4, 4);
        p.lineTo(4, 20);
        p.lineTo(20, 20);
        p.moveTo(7, 16);
        p.lineTo(11, 11);
        p.lineTo(14, 14);
        p.lineTo(19, 7);
        break;
    case Glyph::DeadLetters:
        p.addRoundedRect(QRectF(3, 6, 18, 13), 1.5, 1.5);
        p.moveTo(3.5, 7);
        p.lineTo(12, 13);
        p.lineTo(20.5, 7);
        break;
    case Glyph::Logs:
        p.moveTo(6, 3);
        p.lineTo(15, 3);
        p.lineTo(19, 7);
        p.lineTo(19, 21);
        p.lineTo(6, 21);
        p.closeSubpath();
        line(9, 10, 16, 10);
        line(9, 14, 16, 14);
        line(9, 18, 13, 18);
        break;
    case Glyph::Nodes: // three machines joined to one store
        p.addRoundedRect(QRectF(9, 2.5, 6, 5), 1, 1);
        p.addRoundedRect(QRectF(2.5, 16.5, 6, 5), 1, 1);
        p.addRoundedRect(QRectF(15.5, 16.5, 6, 5), 1, 1);
        line(12, 7.5, 12, 12);
        line(5.5, 12, 18.5, 12);
        line(5.5, 12, 5.5, 16.5);
        line(18.5, 12, 18.5, 16.5);
        break;
    case Glyph::Batches: // a stack of sheets, lines on the top one
        p.addRoundedRect(QRectF(7.5, 2.5, 13, 15), 1.5, 1.5);
        line(5, 5.5, 5, 20);
        line(5, 20, 17, 20);
        line(10.5, 7, 17.5, 7);
        line(10.5, 10, 17.5, 10);
        line(10.5, 13, 15, 13);
        break;
    case Glyph::Workflows: // a graph left to right: one node fans out to two, which join
        p.addEllipse(QRectF(1.5, 9.5, 5, 5));
        p.addEllipse(QRectF(9.5, 3.5, 5, 5));
        p.addEllipse(QRectF(9.5, 15.5, 5, 5));
        p.addEllipse(QRectF(17.5, 9.5, 5, 5));
        line(6.5, 11, 9.5, 6.5);
        line(6.5, 13, 9.5, 17.5);
        line(14.5, 6.5, 17.5, 11);
        line(14.5, 17.5, 17.5, 13);
        break;
    }
    return p;
}

class GlyphEngine final : public QIconEngine
{
public:
    explicit GlyphEngine(Glyph glyph)
        : m_glyph(glyph)
    {
    }

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State) override
    {
        const QPalette palette = QGuiApplication::palette();
        QColor color = palette.color(mode == QIcon::Disabled ? QPalette::Disabled : QPalette::Active,
            mode == QIcon::Selected ? QPalette::HighlightedText : QPalette::WindowText);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        const qreal side = std::min(rect.width(), rect.height());
        painter->translate(rect.x() + (rect.width() - side) / 2.0, rect.y() + (rect.height() - side) / 2.0);
        painter->scale(side / 24.0, side / 24.0);
        QPen pen(color, side <= 16 ? 2.2 : 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        painter->drawPath(strokes(m_glyph));
        painter->restore();
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override
    {
        QPixmap pm(size);
        pm.fill(Qt::transparent);
        QPainter painter(&pm);
        paint(&painter, QRect(QPoint(0, 0), size), mode, state);
        return pm;
    }

    QIconEngine* clone() const override { return new GlyphEngine(m_glyph); }

private:
    Glyph m_glyph;
};

} // namespace

QIcon glyphIcon(Glyph glyph)
{
    return QIcon(new GlyphEngine(glyph));
}

} // namespace llmsched::ui
