"""Shared test helpers, as fixtures (those that are plain functions live for the session)."""

import math
import os
import random
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No example of a property test may fail for taking long: the machines running the
# tests are shared and their speed varies, and a wall-clock limit is not a property.
settings.register_profile("deltagrad", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("deltagrad")

GOLDEN = Path(__file__).parent / "golden"


def pytest_collection_modifyitems(items):
    """A notebook (run by nbmake) takes several seconds: it is a slow test."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def matches_golden():
    """Check DOT source against tests/golden/<name>.dot, a file reviewed by eye once.

    Set DELTAGRAD_UPDATE_GOLDEN=1 to rewrite the files after such a review.
    """

    def check(name: str, source: str) -> None:
        path = GOLDEN / f"{name}.dot"
        if os.environ.get("DELTAGRAD_UPDATE_GOLDEN"):
            path.write_text(source, encoding="utf-8")
        hint = "review the picture, then set DELTAGRAD_UPDATE_GOLDEN=1"
        assert path.exists(), f"no {path.name}: {hint}"
        assert source == path.read_text(encoding="utf-8")

    return check


@pytest.fixture
def dot_clusters():
    """DOT source -> {cluster name: [(node name, label)] of the nodes declared directly in it}."""

    def parse(source: str) -> dict[str, list[tuple[str, str]]]:
        members, stack = {}, []
        for line in source.splitlines():
            line = line.strip()
            m = re.match(r"subgraph (cluster_\w+) \{", line)
            if m:
                stack.append(m.group(1))
                members[m.group(1)] = []
            elif line == "}" and stack:
                stack.pop()
            elif stack and (m := re.match(r"(v\d+(?:op)?) \[label=<(.*)> (?:fill|shape)", line)):
                members[stack[-1]].append((m.group(1), m.group(2)))
        return members

    return parse


@pytest.fixture(scope="session")
def bits():
    """Floats -> their exact bytes, to compare numbers bit for bit (0.0 is not -0.0)."""

    def pack(xs) -> list[bytes]:
        return [struct.pack("<d", x) for x in xs]

    return pack


@pytest.fixture(scope="session")
def small_data():
    """small_data(n, seed): n random two-input examples with classes 0 and 1 as targets."""

    def make(n: int = 10, seed: int = 0) -> list:
        rng = random.Random(seed)
        return [([rng.uniform(-1, 1), rng.uniform(-1, 1)], [float(rng.random() < 0.5)])
                for _ in range(n)]

    return make


@pytest.fixture(scope="session")
def linear_net():
    """linear_net(): a [1, 1] network with a = z, whose weights training can throw far."""
    from nn.model.layers import MLP

    return lambda: MLP([1, 1], "linear", seed=0)


@pytest.fixture(scope="session")
def plain_quadratic_cost():
    """1/(2n) sum ||y - a||^2 of a sigmoid net over data, on plain floats from its weights."""

    def cost(net, data) -> float:
        total = 0.0
        for x, y in data:
            a = list(x)
            for layer in net.layers:
                a = [1.0 / (1.0 + math.exp(-(sum(w.data * a_k for w, a_k in zip(n.w, a))
                                              + n.b.data)))
                     for n in layer.neurons]
            total += sum((y_j - a_j) ** 2 for a_j, y_j in zip(a, y))
        return total / (2 * len(data))

    return cost


@pytest.fixture
def plt():
    """pyplot on the Agg backend (no window); skips the test where matplotlib is missing."""
    matplotlib = pytest.importorskip(
        "matplotlib", reason="plots need matplotlib: pip install 'deltagrad[plots]'"
    )
    matplotlib.use("Agg")
    import matplotlib.pyplot

    yield matplotlib.pyplot
    matplotlib.pyplot.close("all")


@pytest.fixture(scope="session")
def run_cli():
    """run_cli(folder, *args): the deltagrad command line in a subprocess, as a user runs it."""

    def run(cwd: Path, *args: str, command=(sys.executable, "-m", "nn")):
        return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                              timeout=300)

    return run


@pytest.fixture(scope="session")
def run_python():
    """run_python(code, folder): Python code (dedented) in a fresh interpreter that imports
    this tree, as a program would run it; a hang fails after a minute."""
    import textwrap

    def run(code: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                              capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})

    return run


# ----------------------------------------------------------------------
# The engine's operations as tests write them, read from the op table
# ----------------------------------------------------------------------

# The number exponents tried for the op table's "**n" (a power with a number exponent).
EXPONENTS = (2, 3, 0, -1, 0.5, 1.5)


def table_operations(arity: int) -> dict:
    """name -> function of ``arity`` operands, for every op-table entry of that arity.

    The functions work on Values and on torch tensors alike (``op.apply``); the
    number power appears once per exponent of ``EXPONENTS``, as "**2", "**0.5", ...
    """
    from autodiff.ops import OPS, power_name

    found = {}
    for op in OPS.values():
        if op.arity != arity:
            continue
        if op.parametrised:
            for n in EXPONENTS:
                found[power_name(float(n))] = lambda u, op=op, n=n: op.apply(u, n)
        else:
            found[op.name] = op.apply
    return found


def table_expression(program, xs):
    """A Value built by (operation, i, j) instructions over leaves x_1, x_2, ... (numbers xs).

    Each instruction applies an op-table operation (``table_operations``) to
    earlier nodes i and j (mod their count); one that fails on its numbers
    becomes a product instead. Returns the last node.
    """
    from autodiff import Value

    unary, binary = table_operations(1), table_operations(2)
    nodes = [Value(x, label=f"x_{i + 1}") for i, x in enumerate(xs)]
    for op, i, j in program:
        u, w = nodes[i % len(nodes)], nodes[j % len(nodes)]
        try:
            nodes.append(unary[op](u) if op in unary else binary[op](u, w))
        except (ValueError, ZeroDivisionError, OverflowError):
            nodes.append(u * w)
    return nodes[-1]


# ----------------------------------------------------------------------
# The README and the documentation's pages, as tests read them
# ----------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# The README and every page of the site (docs/notebooks is the notebooks, not pages).
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         *sorted((ROOT / "docs" / "api").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```", re.S | re.M)


def page(name: str) -> str:
    """The text of ``README.md`` or of a page of the site, by its path: ``docs/engine.md``."""
    return (ROOT / name).read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The section of a page under the heading ``heading`` (its own text, to the next one)."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n", text, re.M)
    assert match, f"no section {heading!r}"
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def python_blocks(text: str) -> list[tuple[str, str]]:
    """Each fenced Python block of a Markdown text, as (its attributes, its code).

    A block with a ``title="..."`` is an excerpt of a source file (shown under its
    name), not a program: those whose attributes hold ``title=`` are not run.
    """
    return [(attributes.strip(), code) for language, attributes, code in FENCE.findall(text)
            if language == "python"]


# ----------------------------------------------------------------------
# Headless Chromium, for the pages
# ----------------------------------------------------------------------

CHROMIUM_HINT = (
    "headless Chromium and its driver are not installed: 'sudo apt-get install chromium "
    "chromium-driver' (make test installs them when run as root)"
)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """A headless Chromium driven by selenium, logging every network request it makes."""
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def chromium(profile, *flags: str):
    """A new headless Chromium (selenium's driver) with its profile in the folder ``profile``
    and ``flags`` besides the usual ones; it logs every request its pages make."""
    import shutil

    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: "
                                    "pip install -e '.[dev]'")
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.skip(CHROMIUM_HINT)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps",
                 "--window-size=1400,1000", f"--user-data-dir={profile}", *flags):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


def offline() -> list[str]:
    """The start of a command that runs without a network: ``unshare -n`` (a network
    namespace of its own, its loopback down), where the machine allows one; else nothing,
    and a warning says so."""
    import shutil
    import subprocess
    import warnings

    unshare = shutil.which("unshare")
    why = "there is no unshare program (util-linux)"
    if unshare:
        tried = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True)
        if tried.returncode == 0:
            return [unshare, "-n"]
        why = f"'unshare -n' is not allowed here: {tried.stderr.strip()}"
    warnings.warn(f"running with the machine's network, not offline: {why}", stacklevel=2)
    return []


def requested_urls(driver) -> list[str]:
    """The URLs the browser asked for since the last call (from its performance log)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(driver) -> list[str]:
    """What axe-core (npm's, pinned in package.json) finds against WCAG 2.1 AA in the page
    the driver shows: one line per rule broken, with the elements that break it."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed: 'npm ci' in the project's folder (make test "
                    "runs it)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' +"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '))))"
        ".catch(e => done(['axe failed: ' + e]));", WCAG_21_AA)
    return found


# A page that renders an anywidget's JavaScript: the part of a notebook's widget model
# that anywidget hands to render() (get, set, save_changes, on), over the widget's traits.
WIDGET_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>stepper</title><style id="css"></style></head>
<body><div id="host"></div>
<script type="module">
// the part of a notebook's widget model that anywidget hands to render()
const state = {state};
const listeners = {{}};
window.saved = [];
window.model = {{
  get: (name) => state[name],
  set: (name, value) => {{
    state[name] = value;
    (listeners["change:" + name] || []).forEach((f) => f());
  }},
  save_changes: () => window.saved.push(state.step),
  on: (event, f) => (listeners[event] = listeners[event] || []).push(f),
  off: () => {{}},
}};
document.getElementById("css").textContent = {css};
const url = URL.createObjectURL(new Blob([{esm}], {{type: "text/javascript"}}));
const widget = (await import(url)).default;
window.cleanup = widget.render({{model: window.model, el: document.getElementById("host")}});
window.ready = true;
</script></body></html>
"""


def open_widget(browser, widget, tmp_path):
    """The widget's own JavaScript (its ``_esm`` and ``_css``) rendered in the browser with a
    stand-in for the notebook's model, holding the widget's synced traits."""
    import json

    import anywidget

    own = set(type(widget).class_trait_names(sync=True)) - set(
        anywidget.AnyWidget.class_trait_names(sync=True))
    state = {name: getattr(widget, name) for name in own if not name.startswith("_")}
    page = tmp_path / "widget.html"

    def script(value) -> str:  # JSON inside <script>: no "</" to end it early
        return json.dumps(value).replace("</", "<\\/")

    page.write_text(WIDGET_PAGE.format(state=script(state), css=script(getattr(
        widget, "_css", "")), esm=script(widget._esm)), encoding="utf-8")
    browser.get(page.resolve().as_uri())
    wait_for(browser, "return window.ready === true")
    return page.resolve().as_uri()


def wait_for(browser, script: str, tries: int = 200):
    """Wait until ``script`` returns something true in the page (10 s at most)."""
    import time

    for _ in range(tries):
        if browser.execute_script(script):
            return
        time.sleep(0.05)
    raise AssertionError(f"the page never came to: {script}")


def outlined_parts(driver) -> dict[str, str]:
    """The page's outlined parts of its picture: DOT name -> the stroke colour shown.

    The colour is what the browser computes for the part's outline (its first
    shape), so a highlight the styles fail to show is caught.
    """
    return driver.execute_script(
        "const out = {};"
        "document.querySelectorAll('#picture g.hl').forEach(g => {"
        "  const shape = g.querySelector('ellipse, polygon, path');"
        "  out[g.querySelector('title').textContent] = getComputedStyle(shape).stroke; });"
        "return out;")


# ----------------------------------------------------------------------
# A network's numbers after C.backward(), for the backprop checker's tests
# ----------------------------------------------------------------------


def autograd_numbers(net, xs, ys, cost: str = "quadratic") -> dict:
    """C.backward() on the batch (xs, ys) through ``net``; its numbers by layer l.

    "z", "a" (with a[1] = x) and "delta" (z's grad) are the last example's;
    "b" and "w" are dC/db_j^l and dC/dw_jk^l of the batch's cost; "C" is C.
    """
    from nn.model.costs import COSTS

    net.zero_grad()
    C = COSTS[cost]([net(x) for x in xs], ys)
    C.backward()
    out = {"C": C.data, "z": {}, "a": {1: [float(v) for v in xs[-1]]}, "delta": {}, "b": {},
           "w": {}}
    for l, layer in enumerate(net.layers, start=2):
        out["z"][l] = [z.data for z in layer.z]
        out["a"][l] = [a.data for a in layer.a]
        out["delta"][l] = [z.grad for z in layer.z]
        out["b"][l] = [n.b.grad for n in layer.neurons]
        out["w"][l] = [[w.grad for w in n.w] for n in layer.neurons]
    return out


def as_lists(block) -> list:
    """numpy arrays (or lists and tuples of them) as nested lists of floats."""
    if hasattr(block, "tolist"):
        block = block.tolist()
    if isinstance(block, (list, tuple)):
        return [as_lists(b) for b in block]
    return float(block)


def as_vector(block) -> list[float]:
    """A vector given flat or as an (n, 1) column, as a flat list of floats."""
    return [v[0] if isinstance(v, list) else v for v in as_lists(block)]
# ----------------------------------------------------------------------
# Files that cannot be written
# ----------------------------------------------------------------------


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder where creating a file fails with PermissionError, as for a user without rights.

    A read-only folder of our own, except for root, who writes anywhere: then
    /sys/kernel, which refuses new files even to root; skips where neither works.
    """
    if os.name != "posix":
        pytest.skip("folder permissions of POSIX")
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    folder = Path("/sys/kernel")
    try:
        os.close(os.open(folder / ".deltagrad-probe", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except PermissionError:
        yield folder
        return
    except OSError:
        pass
    else:
        os.unlink(folder / ".deltagrad-probe")
    pytest.skip("running as root, and no folder here refuses root a new file")


# ----------------------------------------------------------------------
# A user without root's override of permissions
# ----------------------------------------------------------------------

NOBODY = 65534  # the unprivileged user of most systems


@pytest.fixture
def unprivileged(tmp_path):
    """unprivileged(fn) -> (status, output): ``fn()`` run as a user who cannot write a file
    that is not writable (as the shell's ``>`` finds), in the folder tmp_path, which that
    user owns. ``fn`` returns the exit status; what it prints is returned with it.

    As root, in a forked child that becomes nobody (uid 65534) after entering the
    folder: everything ``fn`` needs must be imported before (nobody may not read
    the interpreter's own folders). Otherwise in a forked child as the user is.
    """
    if os.name != "posix":
        pytest.skip("permissions and users of POSIX")
    as_root = os.geteuid() == 0
    if as_root:
        os.chown(tmp_path, NOBODY, NOBODY)

    def run(fn) -> tuple[int, str]:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            status = 70
            try:
                os.close(read)
                os.dup2(write, 1)
                os.dup2(write, 2)
                # (not pytest's captures; line by line, so that the two keep their order)
                sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)
                sys.stderr = open(2, "w", buffering=1, encoding="utf-8", closefd=False)
                os.chdir(tmp_path)
                if as_root:
                    os.setgroups([])
                    os.setgid(NOBODY)
                    os.setuid(NOBODY)
                status = fn()
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status if isinstance(status, int) else 0)
        os.close(write)
        with os.fdopen(read, encoding="utf-8", errors="replace") as f:
            output = f.read()
        _, code = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(code), output

    return run


# A student's right backprop on lists, as a file's text: for the tests of check and grade.
RIGHT_BACKPROP = '''
import math


def sigmoid(t):
    return 1 / (1 + math.exp(-t))


def backprop(weights, biases, x, y):
    """Equations 1-4, the student's way."""
    acts = [x]
    for W, b in zip(weights, biases):
        acts.append([sigmoid(sum(w * a for w, a in zip(row, acts[-1])) + c)
                     for row, c in zip(W, b)])
    delta = [(a - t) * a * (1 - a) for a, t in zip(acts[-1], y)]
    nabla_b, nabla_w = [], []
    for i in reversed(range(len(weights))):
        nabla_b.insert(0, delta)
        nabla_w.insert(0, [[a * d for a in acts[i]] for d in delta])
        if i:
            delta = [sum(weights[i][k][j] * delta[k] for k in range(len(delta)))
                     * acts[i][j] * (1 - acts[i][j]) for j in range(len(acts[i]))]
    return nabla_b, nabla_w
'''
