"""How wide text is, without asking any installed font: DejaVu Sans, measured once.

Every picture deltagrad draws sizes its boxes from these numbers, so the layout
is the same on every machine (and in the browser, under Pyodide), whatever
fonts are installed. They are the advance widths of DejaVu Sans (Book and Bold,
the files matplotlib ships) in font units, 2048 to the em, read with FreeType
(``matplotlib.ft2font``, unscaled, unhinted) for the characters below;
``tests/autodiff/views/test_svg.py`` measures them again where matplotlib is
installed. The slanted faces (Oblique, Bold Oblique) are as wide as the upright
ones but for four characters, none more than 3% wider. Pictures ask for DejaVu Sans first;
the fonts they fall back to (Verdana, Helvetica, Arial) are no wider, and text
is centred in its box, so it stays inside.
"""

from __future__ import annotations

FONT_FAMILY = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
UNITS_PER_EM = 2048
ASCENT, DESCENT = 1901 / UNITS_PER_EM, 483 / UNITS_PER_EM  # above and below the baseline

CHARACTERS = (
    "".join(chr(c) for c in range(0x20, 0x7F))  # ASCII
    + "\u00d7\u00f7\u00b7\u00bd\u00b2\u00b3\u00b1\u00b0\u00b5"  # × ÷ · ½ ² ³ ± ° µ
    + "".join(chr(c) for c in range(0x391, 0x3AA) if c != 0x3A2)  # Greek capitals
    + "".join(chr(c) for c in range(0x3B1, 0x3CA))  # Greek small letters
    # − ∂ ′ ″ ∑ √ ∞ ≤ ≥ ≈ ≠ → ← … – — ‘ ’ “ ” • ∇ ∈
    + "\u2212\u2202\u2032\u2033\u2211\u221a\u221e\u2264\u2265\u2248\u2260\u2192\u2190"
    + "\u2026\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2207\u2208"
)

# Advance widths in font units, one per character of CHARACTERS, upright and bold.
WIDTHS = {
    "regular": (
        651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690,
        1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716,
        1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767,
        1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690,
        799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569,
        1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303,
        690, 1303, 1716, 1716, 1716, 651, 1985, 821, 821, 1716, 1024, 1303, 1401, 1405, 1141,
        1401, 1294, 1403, 1540, 1612, 604, 1343, 1401, 1767, 1532, 1294, 1612, 1540, 1235, 1294,
        1251, 1251, 1612, 1403, 1612, 1565, 1350, 1307, 1212, 1253, 1107, 1114, 1298, 1253, 693,
        1207, 1212, 1303, 1144, 1142, 1253, 1233, 1300, 1202, 1298, 1233, 1185, 1351, 1183, 1351,
        1715, 1716, 1059, 465, 765, 1380, 1305, 1706, 1716, 1716, 1716, 1716, 1716, 1716, 2048,
        1024, 2048, 651, 651, 1061, 1061, 1208, 1370, 1784
    ),
    "bold": (
        713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748,
        1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716,
        1188, 2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038,
        1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748,
        936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702,
        2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458,
        748, 1458, 1716, 1716, 1716, 778, 2120, 897, 897, 1716, 1024, 1507, 1585, 1561, 1305,
        1585, 1399, 1485, 1714, 1741, 762, 1587, 1585, 2038, 1714, 1294, 1741, 1714, 1501, 1399,
        1397, 1483, 1741, 1579, 1740, 1741, 1407, 1466, 1395, 1407, 1140, 1210, 1458, 1407, 798,
        1455, 1296, 1507, 1395, 1210, 1407, 1620, 1466, 1214, 1595, 1307, 1383, 1602, 1321, 1626,
        1780, 1716, 1114, 540, 915, 1470, 1366, 1706, 1716, 1716, 1716, 1716, 1716, 1716, 2048,
        1024, 2048, 778, 778, 1346, 1346, 1309, 1427, 1836
    ),
}
# A character not measured is taken as wide as the widest letters, so it never overflows.
UNKNOWN_WIDTH = 2048

_TABLES = {style: dict(zip(CHARACTERS, widths)) for style, widths in WIDTHS.items()}


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` set in DejaVu Sans at ``size`` points, in points (italic or not)."""
    table = _TABLES["bold" if bold else "regular"]
    return sum(table.get(c, UNKNOWN_WIDTH) for c in text) * size / UNITS_PER_EM
