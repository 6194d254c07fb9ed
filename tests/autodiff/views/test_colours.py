"""The steppers' highlight colour is told apart from the diagrams' two sign colours, by
everyone: measured as the CIE76 colour difference (Delta E in CIELAB) of the colours as
seen with normal vision and as simulated for protanopia and deuteranopia (Vienot, Brettel
and Mollon 1999, the matrices in linear RGB). Two colours are easily told apart from a
difference of about 20-25; the old highlight, #c0392b, differed from the negative red
by about 10 (the defect reported in issue 23).
"""

import pytest

from autodiff.views.pictures import HIGHLIGHT_COLOUR
from nn.lecture.diagrams import NEGATIVE, POSITIVE

VISION = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.11238, 0.88762, 0), (0.11238, 0.88762, 0), (0.00401, -0.00401, 1)),
    "deuteranopia": ((0.29275, 0.70725, 0), (0.29275, 0.70725, 0), (-0.02234, 0.02234, 1)),
}


def linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def seen(hex_colour: str, vision: str) -> tuple[float, float, float]:
    m, rgb = VISION[vision], linear(hex_colour)
    return lab([min(1.0, max(0.0, sum(m[i][j] * rgb[j] for j in range(3)))) for i in range(3)])


def difference(a: str, b: str, vision: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(seen(a, vision), seen(b, vision))) ** 0.5


@pytest.mark.parametrize("vision", VISION)
@pytest.mark.parametrize("sign", [POSITIVE, NEGATIVE])
def test_the_highlight_stands_apart_from_both_signs(vision, sign):
    assert difference(HIGHLIGHT_COLOUR, sign, vision) > 40


def test_the_old_highlight_did_not():
    assert min(difference("#c0392b", NEGATIVE, v) for v in VISION) < 15
