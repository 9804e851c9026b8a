"""The one embedded font family of every report.

reportlab's built-in Helvetica has no Ł, ő, ě or ė (they print as black boxes), so every PDF
embeds a Unicode TrueType family that covers Czech, Hungarian, Lithuanian, Norwegian and Polish.
It comes from the PyPI package `font-source-sans-pro` (Source Sans Pro, TrueType outlines), with
Debian's `fonts-dejavu-core` as the fallback. CFF-flavoured `.otf` files are never used:
reportlab cannot embed them.

Fonts are registered by an explicit call, `register_fonts()`, never at import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: The names under which the family is registered; styles and charts refer to these only.
REGULAR = "ReportSans"
BOLD = "ReportSans-Bold"
ITALIC = "ReportSans-Italic"
BOLD_ITALIC = "ReportSans-BoldItalic"

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


class FontNotFoundError(RuntimeError):
    """No usable TrueType font family is installed."""


@dataclass(frozen=True)
class FontFiles:
    """Where the family comes from: a description and four TTF paths."""

    source: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path


def _source_sans_pro() -> FontFiles | None:
    try:
        import font_source_sans_pro
    except ImportError:
        return None
    folder = Path(font_source_sans_pro.font_directory)
    files = FontFiles(
        source="font-source-sans-pro (Source Sans Pro)",
        regular=folder / "SourceSansPro-Regular.ttf",
        bold=folder / "SourceSansPro-Bold.ttf",
        italic=folder / "SourceSansPro-It.ttf",
        bold_italic=folder / "SourceSansPro-BoldIt.ttf",
    )
    return files if files.regular.is_file() and files.bold.is_file() else None


def _dejavu() -> FontFiles | None:
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return None
    # The obliques live in fonts-dejavu-extra; without them italics fall back to upright.
    italic, bold_italic = _DEJAVU / "DejaVuSans-Oblique.ttf", _DEJAVU / "DejaVuSans-BoldOblique.ttf"
    return FontFiles(
        source="Debian fonts-dejavu-core (DejaVu Sans)",
        regular=regular,
        bold=bold,
        italic=italic if italic.is_file() else regular,
        bold_italic=bold_italic if bold_italic.is_file() else bold,
    )


def find_font_files() -> FontFiles:
    """The first installed family: Source Sans Pro from PyPI, else Debian's DejaVu Sans."""
    for candidate in (_source_sans_pro, _dejavu):
        files = candidate()
        if files is not None:
            return files
    raise FontNotFoundError(
        "No Unicode TrueType font for the PDF reports: install the Python package "
        "'font-source-sans-pro' (pip install font-source-sans-pro; it ships "
        "SourceSansPro-Regular.ttf and SourceSansPro-Bold.ttf) or Debian's 'fonts-dejavu-core' "
        f"({_DEJAVU / 'DejaVuSans.ttf'} and DejaVuSans-Bold.ttf)."
    )


_lock = threading.Lock()
_registered: FontFiles | None = None


def register_fonts() -> FontFiles:
    """Register the family with reportlab once per process; later calls return at once.

    Raises FontNotFoundError, naming what to install, when no family is found.
    """
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is None:
            files = find_font_files()
            for name, path in (
                (REGULAR, files.regular),
                (BOLD, files.bold),
                (ITALIC, files.italic),
                (BOLD_ITALIC, files.bold_italic),
            ):
                pdfmetrics.registerFont(TTFont(name, str(path)))
            # Lets <b> and <i> inside a Paragraph pick the right face.
            pdfmetrics.registerFontFamily(
                REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
            )
            _registered = files
    return _registered
