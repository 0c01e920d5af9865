"""Open built pages in headless Chromium, screenshot them, and check that they rendered.

    python docs/check_pages.py docs/_build/html --out docs/_build/screenshots

For each page below: load it from disk in a fresh tab, wait for the load event and for MathJax to
typeset, collect every failed request, uncaught exception, console error and browser log error
(a missing stylesheet, script, image or font shows up as a failed request), take a PNG
screenshot, and check that it is not blank (many distinct colours, not one flat colour) and that
the page contains what it should (typeset math, an API signature, a gallery figure).

Talks to Chromium over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands on
fd 3, replies on fd 4, NUL-separated JSON), so it needs nothing beyond the standard library and
matplotlib (to decode the PNG). Exits non-zero on any failure, naming the page and the reason.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: (page, CSS selector that must match at least once, what it proves)
PAGES = [
    ("index.html", "nav, .bd-header", "the landing page and the theme's header"),
    (
        "api/generated/isometry.jacobian_spectrum.html",
        "dl.py.function dt.sig",
        "an API page with its signature",
    ),
    ("theory/freeprob.html", "mjx-container", "MathJax typeset the equations offline"),
    ("auto_examples/plot_main_job.html", "img.sphx-glr-single-img", "an executed gallery figure"),
]
WIDTH, HEIGHT = 1280, 1000
TIMEOUT = 60.0  # seconds per page: load, MathJax, screenshot (generous for a loaded CI machine)


class Browser:
    """A headless Chromium driven over --remote-debugging-pipe."""

    def __init__(self, executable: str) -> None:
        cmd_read, self._cmd_write = os.pipe()
        self._reply_read, reply_write = os.pipe()

        def child_fds() -> None:  # Chromium reads commands on fd 3 and writes replies to fd 4
            # Move both ends above 4 first, so neither dup2 below clobbers the other.
            high_read = fcntl.fcntl(cmd_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(reply_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)  # dup2 leaves the new descriptors inheritable
            os.dup2(high_write, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--remote-debugging-pipe",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=child_fds,  # noqa: PLW1509 (this script starts no threads)
            close_fds=False,  # our other descriptors are close-on-exec
        )
        os.close(cmd_read)
        os.close(reply_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._cmd_write)
        os.close(self._reply_read)

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._reply_read, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (did it start?)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._cmd_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, deadline: float) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._read_message(deadline))


def problems_in(events: list[dict[str, Any]]) -> list[str]:
    """Failed requests, exceptions, console errors and browser log errors among the events."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.loadingFailed" and not params.get("canceled"):
            found.append(
                f"request failed ({params.get('errorText')}): request {params.get('requestId')}"
            )
        elif method == "Network.responseReceived" and params["response"].get("status", 200) >= 400:
            found.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            found.append(
                f"uncaught exception: {details.get('exception', {}).get('description') or details.get('text')}"
            )
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])
            )
            found.append(f"console.{params['type']}: {text}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            found.append(f"browser log error: {entry.get('text')} {entry.get('url', '')}".strip())
    # Name the file of each failed request.
    urls = {
        e["params"]["requestId"]: e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    }
    return [
        next(
            (
                p.replace(f"request {rid}", url)
                for rid, url in urls.items()
                if p.endswith(f"request {rid}")
            ),
            p,
        )
        for p in found
    ]


def blank_reason(png: bytes) -> str | None:
    """Why a screenshot looks blank, or None: too few colours, or almost all one colour."""
    import matplotlib.image
    import numpy as np

    pixels = (matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3] * 255).astype(
        np.uint8
    )
    flat = pixels.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    dominant = counts.max() / flat.shape[0]
    if colours.shape[0] < 16:
        return f"only {colours.shape[0]} distinct colours"
    if dominant > 0.97:
        return f"{dominant:.1%} of the pixels are one colour"
    return None


def check_page(browser: Browser, html: Path, page: str, selector: str, out: Path) -> list[str]:
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.send(f"{domain}.enable", session=session)
    browser.events.clear()
    url = (html / page).resolve().as_uri()
    deadline = time.monotonic() + TIMEOUT
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired", deadline)
    # MathJax typesets after the load event: poll until the expected element is there.
    count = 0
    while time.monotonic() < deadline:
        count = browser.send(
            "Runtime.evaluate",
            {
                "expression": f"document.querySelectorAll({json.dumps(selector)}).length",
                "returnByValue": True,
            },
            session=session,
        )["result"]["value"]
        if count > 0:
            break
        time.sleep(0.25)
    time.sleep(0.5)  # let late requests (fonts) finish or fail
    shot = base64.b64decode(
        browser.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
    )
    name = page.replace("/", "_").replace(".html", ".png")
    (out / name).write_bytes(shot)
    problems = problems_in([e for e in browser.events if e.get("sessionId") == session])
    if count == 0:
        problems.append(f"no element matches {selector!r}")
    reason = blank_reason(shot)
    if reason:
        problems.append(f"screenshot looks blank: {reason}")
    browser.send("Target.closeTarget", {"targetId": target})
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built HTML folder (docs/_build/html)")
    parser.add_argument("--out", type=Path, default=Path("docs/_build/screenshots"))
    parser.add_argument(
        "--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser")
    )
    args = parser.parse_args(argv)
    if not args.chromium:
        print("check_pages: chromium not found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    browser = Browser(args.chromium)
    failures = 0
    try:
        for page, selector, what in PAGES:
            if not (args.html / page).is_file():
                print(f"FAIL {page}: not built")
                failures += 1
                continue
            problems = check_page(browser, args.html, page, selector, args.out)
            status = "ok  " if not problems else "FAIL"
            print(
                f"{status} {page}: {what}; screenshot {args.out / page.replace('/', '_').replace('.html', '.png')}"
            )
            for problem in problems:
                print(f"     - {problem}")
            failures += bool(problems)
    finally:
        browser.close()
    print(f"check_pages: {len(PAGES) - failures} of {len(PAGES)} pages rendered cleanly")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
