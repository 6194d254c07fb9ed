"""Open a notebook in a JupyterLite site, run all its cells in headless Chromium, and
write what happened as JSON (run by tests/test_lite.py, inside a network namespace).

    python run_notebook.py SITE NOTEBOOK OUT.json [--loopback-up]

SITE is served on loopback; ``--loopback-up`` first brings up the loopback interface
of a network namespace just made (``unshare -n``), which starts with it down. OUT.json
gets each code cell's source, execution count and outputs (as the notebook saves
them), the paths the site served, the URLs the page asked for, and what the
notebook's stepper widget showed after its slider was moved to step 5.
"""

import fcntl
import functools
import http.server
import json
import socket
import struct
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for conftest
from conftest import chromium, requested_urls  # noqa: E402

# Waits for the notebook's kernel, runs every cell as Run > Run All Cells does, and
# returns each code cell's outputs as the notebook would save them.
RUN_ALL = """
const done = arguments[arguments.length - 1];
(async function () {
  while (!(window.jupyterapp && window.jupyterapp.shell.currentWidget &&
           window.jupyterapp.shell.currentWidget.sessionContext)) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.ready;
  while (!panel.sessionContext.session.kernel ||
         panel.sessionContext.session.kernel.status !== "idle") {
    await new Promise((r) => setTimeout(r, 250));
  }
  await window.jupyterapp.commands.execute("notebook:run-all-cells");
  return panel.content.widgets.filter((cell) => cell.model.type === "code").map((cell) => ({
    source: cell.model.sharedModel.getSource(),
    count: cell.model.executionCount,
    outputs: cell.model.outputs.toJSON(),
  }));
})().then(done, (error) => done({error: String(error)}));
"""

# The stepper widget, if one is drawn: its picture, then step 5 chosen on its slider.
STEPPER = """
const done = arguments[arguments.length - 1];
const stepper = document.querySelector(".deltagrad-stepper");
if (!stepper) { done(null); } else {
  const slider = stepper.querySelector(".deltagrad-slider");
  slider.value = 5;
  slider.dispatchEvent(new Event("input"));
  setTimeout(() => done({
    svg: stepper.querySelectorAll(".deltagrad-picture svg").length,
    text: stepper.querySelector(".deltagrad-text").textContent,
    outlined: stepper.querySelectorAll(".deltagrad-hl").length,
  }), 500);
}
"""


class Served(http.server.SimpleHTTPRequestHandler):
    """The site's files, as a static host serves them; every path asked for is recorded."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".json": "application/json"}

    def log_message(self, format, *args) -> None:
        self.server.asked.append(self.path.split("?")[0])


def loopback_up() -> None:
    """``ip link set lo up``, without needing the ip program."""
    SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCSIFFLAGS,
                    struct.pack("16sH22x", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING))


def main(site: str, notebook: str, out: str) -> None:
    handler = functools.partial(Served, directory=site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.asked = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = chromium(tempfile.mkdtemp(prefix="chromium-lite-"))
    try:
        driver.set_script_timeout(900)  # a guard against a hang, not a measure of speed
        url = f"http://127.0.0.1:{server.server_address[1]}/notebooks/index.html?path={notebook}"
        driver.get(url)
        cells = driver.execute_async_script(RUN_ALL)
        stepper = driver.execute_async_script(STEPPER)
        asked = requested_urls(driver)
    finally:
        driver.quit()
        server.shutdown()
    Path(out).write_text(json.dumps({"cells": cells, "stepper": stepper, "served": server.asked,
                                     "asked": asked}), encoding="utf-8")


if __name__ == "__main__":
    if "--loopback-up" in sys.argv:
        sys.argv.remove("--loopback-up")
        loopback_up()
    main(*sys.argv[1:])
