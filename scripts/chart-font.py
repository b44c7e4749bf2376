#!/usr/bin/env python3
"""Writes src/revenue/chart-font.ttf: the font the charts are drawn with when they are images
(the Word report's charts are PNG). DejaVu Sans from Debian's fonts-dejavu-core, cut down with
fontTools (PyPI) to the letters Vietnamese and English need, the digits and the signs the
charts write (₫ ★ – …), so the binary carries tens of kilobytes instead of 760.

    apt-get install fonts-dejavu-core && pip install fonttools==4.68.0
    python3 scripts/chart-font.py

The provenance and the font's licence go beside it, in src/revenue/chart-font.txt.
"""
import datetime
import subprocess
import sys
from pathlib import Path

from fontTools import subset, version as fonttools_version

SOURCE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LICENSE = Path("/usr/share/doc/fonts-dejavu-core/copyright")
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/revenue/chart-font.ttf"
NOTE = ROOT / "src/revenue/chart-font.txt"

# Basic Latin, Latin-1, the Vietnamese letters outside them (Ă Đ Ĩ Ũ Ơ Ư and the tone marks
# of Latin Extended Additional), combining marks, dashes, ellipsis, đồng sign, star, minus.
UNICODES = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + [0x102, 0x103, 0x110, 0x111, 0x128, 0x129, 0x168, 0x169, 0x1A0, 0x1A1, 0x1AF, 0x1B0]
    + list(range(0x300, 0x304)) + [0x309, 0x323]
    + list(range(0x1EA0, 0x1EFA))
    + [0x2013, 0x2014, 0x2026, 0x20AB, 0x2212, 0x2605]
)


def main():
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: apt-get install fonts-dejavu-core")
    package = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "fonts-dejavu-core"], capture_output=True, text=True, check=True
    ).stdout.strip()
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = subset.load_font(str(SOURCE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    subset.save_font(font, str(OUT), options)
    NOTE.write_text(
        f"chart-font.ttf: DejaVu Sans (Debian package fonts-dejavu-core {package}), cut down to the\n"
        f"letters, digits and signs hoicho's charts write by scripts/chart-font.py with fontTools\n"
        f"{fonttools_version} (PyPI) on {datetime.date.today().isoformat()}. Its licence, as Debian ships it:\n\n"
        + LICENSE.read_text()
    )
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size} bytes from {SOURCE} ({package})")


if __name__ == "__main__":
    main()
