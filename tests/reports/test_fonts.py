"""One Unicode TrueType family, from the project's own dependencies, embedded in every PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from reports import FontNotFoundError, register_fonts
from reports import fonts as fonts_module
from reports.fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR, find_font_files

#: Every letter the six languages need beyond ASCII, in both cases.
LETTERS = "ąćęłńóśźżěščřžýáíéůúťďňőöüűėįųūčšžæøåéè"
NEEDED = LETTERS + LETTERS.upper() + "–—„“”‚‘’«»·…▲▼✓−"


def test_the_family_comes_from_the_pypi_package_as_truetype_files() -> None:
    files = register_fonts()
    assert files.source.startswith("font-source-sans-pro")
    for path in (files.regular, files.bold, files.italic, files.bold_italic):
        assert path.suffix == ".ttf" and path.is_file()
        assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType outlines, not CFF


def test_registering_twice_returns_the_same_family() -> None:
    assert register_fonts() is register_fonts()


@pytest.mark.parametrize("name", [REGULAR, BOLD, ITALIC, BOLD_ITALIC])
def test_every_face_has_every_letter_of_the_six_languages(name) -> None:
    register_fonts()
    glyphs = pdfmetrics.getFont(name).face.charToGlyph
    assert [c for c in NEEDED if ord(c) not in glyphs] == []


def test_debians_dejavu_is_the_fallback(monkeypatch) -> None:
    if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
        pytest.skip("fonts-dejavu-core is not installed here")
    monkeypatch.setattr(fonts_module, "_source_sans_pro", lambda: None)
    files = find_font_files()
    assert "fonts-dejavu-core" in files.source
    assert files.regular.name == "DejaVuSans.ttf"


def test_without_any_font_the_error_names_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(fonts_module, "_source_sans_pro", lambda: None)
    monkeypatch.setattr(fonts_module, "_dejavu", lambda: None)
    with pytest.raises(FontNotFoundError, match="font-source-sans-pro") as error:
        find_font_files()
    assert "fonts-dejavu-core" in str(error.value)
