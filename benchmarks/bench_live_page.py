"""Time for the live walkthrough page to recompute after an edit, in headless Chromium,
against the time Python's ``walkthrough`` takes to work out the same steps.

The page (``walkthrough(...).save("page.html")``) recomputes every step when a
number is typed: it replays the walkthrough's graph with the op table's JavaScript
twins, then writes every step's value, its plugged-in numbers and the diagram's labels
and colours. Measured in the page: an ``input`` event on a weight's input, with a new
number each time, from dispatch to the page written (the handler runs to its end before
``dispatchEvent`` returns), median of many edits. The peer: ``walkthrough(net, x, y,
eta=0.5)`` in this process for the same network, which builds the graph, runs
``backward()`` and writes every step (median of several runs). Networks: [2, 3, 2] and
[4, 8, 8, 3] sigmoid networks, quadratic cost.

Run: ``python benchmarks/bench_live_page.py`` (under a minute), ``--quick`` for fewer
runs. Needs selenium and Chromium with its driver (``make browser``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nn import MLP, walkthrough

SIZES = ([2, 3, 2], [4, 8, 8, 3])


def example(sizes: list[int]):
    net = MLP(sizes, seed=0)
    x = [0.1 * (k + 1) for k in range(sizes[0])]
    y = [float(j % 2) for j in range(sizes[-1])]
    return net, x, y


def python_seconds(sizes: list[int], runs: int) -> float:
    net, x, y = example(sizes)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        walkthrough(net, x, y, eta=0.5)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


EDITS = """
const input = document.querySelector('input[data-param="w_11^2"]');
const times = [];
for (let k = 0; k < arguments[0]; k++) {
  input.value = String(0.5 + k / 1000);
  const start = performance.now();
  input.dispatchEvent(new Event("input"));
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
return [times[times.length >> 1] / 1000, document.querySelectorAll("#list li").length];
"""


def page_seconds(driver, sizes: list[int], runs: int, folder: Path) -> tuple[float, int]:
    net, x, y = example(sizes)
    page = walkthrough(net, x, y, eta=0.5).save(folder / f"page-{len(sizes)}.html")
    driver.get(page.resolve().as_uri())
    return tuple(driver.execute_script(EDITS, runs))


def chromium(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")),
                            options=options)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 10 if args.quick else 50
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("skipped: selenium is not installed (pip install -e '.[dev]')")
        return 0
    if not (shutil.which("chromium") or shutil.which("chromium-browser")) or not shutil.which(
            "chromedriver"):
        print("skipped: headless Chromium and its driver are not installed (make browser)")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        driver = chromium(str(Path(folder) / "profile"))
        try:
            print(f"{'network':>14} {'steps':>6} {'page recompute':>15} {'Python walkthrough':>19}"
                  f" {'ratio':>6}")
            for sizes in SIZES:
                python = python_seconds(sizes, max(3, runs // 5))
                seconds, steps = page_seconds(driver, sizes, runs, Path(folder))
                print(f"{str(sizes):>14} {steps:>6} {seconds * 1e3:>12.2f} ms "
                      f"{python * 1e3:>16.2f} ms {seconds / python:>6.2f}")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
