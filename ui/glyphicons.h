#pragma once

#include <QIcon>

namespace llmsched::ui {

// The toolbar's and sidebar's icons, drawn as simple line glyphs in the
// palette's text colour at paint time, so they follow the light or dark theme
// (a desktop icon theme drawn for the other one made Pause invisible on dark)
// and exist where no icon theme is installed.
enum class Glyph { Add, Import, Cancel, Retry, Refresh, Pause, Resume, Queue, Models, Statistics, DeadLetters, Logs, Nodes, Batches, Workflows };

QIcon glyphIcon(Glyph glyph);

} // namespace llmsched::ui
