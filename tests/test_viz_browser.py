"""Browser test of ``towncentre viz`` (issue 5, "Done when" 1 and 3; issue 15, "Done when" 5).

Starts ``towncentre viz`` on a free loopback port, drives Debian's chromium through
playwright (never ``playwright install``: it downloads), and blocks every request that is not
to localhost, so the page must be complete offline. It checks the page's title and that none
of Mesa's scaffolding shows ("Page 0", "Model Parameters", "Use Threads", a "Solara" title),
that the map and charts render with the consumer-led baseline beside the chosen run and the
public-money panel, steps five times, plays and pauses (the page must move while playing),
switches scenario, moves a slider, has Reset refuse a seed that is not one and then reset
with a new seed, opens a second browser context (which must get its own model at week 0),
saves the README's screenshot to ``docs/viz.png``, and leaves no process running. Another
test sends SIGTERM to the ``towncentre viz`` process alone and checks the server stops.

Skips with the reason when chromium, playwright, the viz extra or the offline assets are
missing locally; under CI (``CI`` set) a missing piece fails instead, since ``.ci/run``
installs them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("TOWNCENTRE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOT = ROOT / "docs" / "viz.png"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _missing(browser: bool = True) -> str | None:
    if browser and not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        if browser:
            import playwright.sync_api  # noqa: F401
        import solara  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} not installed (pip install -e '.[test]')"
    from sim import viz_assets

    gone = viz_assets.missing()
    if gone:
        return f"offline assets missing ({', '.join(gone)}): run 'towncentre viz --install-assets'"
    return None


def _require(browser: bool = True) -> None:
    why = _missing(browser)
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {why}")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _towncentre() -> list[str]:
    exe = Path(sys.executable).with_name("towncentre")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"]


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server's whole process group (the CLI and the solara server it started)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.1)
    raise AssertionError(f"processes of group {proc.pid} still running after the test")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def _serve():
    """``towncentre viz`` on a free port in its own process group: yields ``(url, process)``;
    the whole group is stopped afterwards."""
    port = _free_port()
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    cmd = _towncentre() + ["viz", "--port", str(port), "--residents", "800", "--seed", "3"]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while not _answers(url):
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError(f"towncentre viz exited: {log.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("towncentre viz did not answer within 60 s")
            time.sleep(0.3)
        log.seek(0)
        assert url in log.read().decode(), "the address is printed"
        yield url, proc
    finally:
        _stop(proc)
        log.close()


@pytest.fixture
def server():
    """``towncentre viz`` on a free port: yields ``(url, process)``; stopped afterwards."""
    _require()
    with _serve() as got:
        yield got


class Offline:
    """Blocks every request not to localhost and records what the page got wrong."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.bad_status: list[str] = []
        self.console_errors: list[str] = []

    def attach(self, context) -> None:
        def route(r):
            url = r.request.url
            if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOCAL:
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        context.route("**/*", route)

    def watch(self, page) -> None:
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else 0)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: self.bad_status.append(f"{r.status} {r.url}") if r.status >= 400 else 0,
        )

    def check(self) -> None:
        assert self.blocked == [], "the page asked for non-local resources"
        assert self.failed == [], "asset requests failed"
        assert self.bad_status == [], "asset requests answered with an error"
        assert self.console_errors == [], "errors in the browser console"


def _weeks(page) -> int:
    """The week the page shows ("Week 12, Mar 2008")."""
    text = page.locator(".tc-week").first.inner_text()
    return int(text.split("Week")[1].split(",")[0])


def _img_src(page, cls: str) -> str:
    img = page.locator(f".{cls} img").first
    img.wait_for(state="visible", timeout=20_000)
    ok = img.evaluate("i => i.complete && i.naturalWidth > 100 && i.naturalHeight > 100")
    assert ok, f"{cls}: image not rendered"
    return img.get_attribute("src") or ""


CHARTS = ("vacancy", "diversity", "social-capital", "footfall")
PUBLIC = ("public-spending-a-week", "councils-balance")
BASELINE = "consumer-led (market only)"


def test_page_in_browser(server):
    from playwright.sync_api import expect, sync_playwright

    url, _ = server
    net = Offline()
    t0 = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
            net.attach(ctx)
            page = ctx.new_page()
            net.watch(page)
            page.goto(url)
            assert page.title().startswith("towncentre"), "the title while it loads"
            week = page.locator(".tc-week")
            expect(week).to_have_text("Week 0, Jan 2008", timeout=60_000)

            # the town's title; none of Mesa's or Solara's scaffolding
            expect(page).to_have_title("towncentre: Ashby Market")
            expect(page.get_by_text("towncentre: Ashby Market").first).to_be_visible()
            body = page.locator("body").inner_text()
            for word in ("PAGE 0", "Page 0", "Model Parameters", "Use Threads", "Interval"):
                assert word not in body, word
            assert "Solara" not in page.title() and "runs on Solara" not in body

            # the map (with its street names in the figure), the catchment, the charts and
            # the public-money panel render; every chart's legend has the baseline
            for c in ("tc-map", "tc-catchment", *(f"tc-chart-{c}" for c in CHARTS + PUBLIC)):
                _img_src(page, c)
            for c in CHARTS + PUBLIC:
                expect(page.locator(f".tc-caption-{c}")).to_contain_text(BASELINE)
            panel = page.locator(".tc-public-money")
            expect(panel).to_contain_text("Public money")
            expect(panel).to_contain_text("Council's town-centre balance £")
            expect(page.locator(".tc-caption-vacancy")).to_contain_text("Jan 2008")
            vac0 = _img_src(page, "tc-chart-vacancy")

            # five steps: the week and the vacancy chart advance
            step = page.get_by_role("button", name="Step")
            for i in range(1, 6):
                step.click()
                expect(week).to_contain_text(f"Week {i},", timeout=20_000)
            expect(page.locator(".tc-caption-vacancy")).to_contain_text("Feb 2008")
            assert _img_src(page, "tc-chart-vacancy") != vac0

            # play: the page moves while playing (not only when the run ends); then pause
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(
                "() => /Week ([0-9]+),/.exec(document.body.innerText)[1] > 8", timeout=30_000
            )
            page.get_by_role("button", name="❚❚").click()
            expect(page.get_by_role("button", name="▶")).to_be_visible(timeout=20_000)
            # the last weeks run are drawn once the loop stops: the week settles, then stays
            n, deadline = _weeks(page), time.monotonic() + 20.0
            while True:
                time.sleep(1.0)
                m = _weeks(page)
                if m == n:
                    break
                assert time.monotonic() < deadline, f"still stepping after pause ({n} -> {m})"
                n = m
            time.sleep(1.0)
            assert _weeks(page) == n and 8 < n < 500, f"paused at week {n}"

            # switch scenario: the controls follow the scenario's settings
            page.get_by_label("Scenario").click(force=True)
            page.get_by_role("option", name="town_team").click()
            expect(page.locator(".v-select__selection").first).to_have_text("town_team")

            # the first slider is the council's town-centre budget (the scenario's allocation);
            # move the second (keyboard: business rates, in percent)
            page.get_by_text("Levers and parameters").click()
            expect(page.get_by_text("Council", exact=True)).to_be_visible()
            expect(page.locator(".tc-slider-label").first).to_have_text(
                "Council's budget for the town centre: £3,423 a week"
            )
            label = page.locator(".tc-slider-label").nth(1)
            expect(label).to_have_text("Business rates: 50% of rateable value a year")
            page.get_by_role("slider").nth(1).focus()
            page.keyboard.press("ArrowRight")
            expect(label).to_have_text("Business rates: 51% of rateable value a year")

            # a seed that is not a seed: Reset refuses, the run goes on
            seed = page.get_by_label("Seed")
            seed.fill("seven")
            page.get_by_role("button", name="Reset").click()
            expect(page.locator(".tc-refused")).to_contain_text("Reset refused: seed 'seven'")
            expect(page.locator(".tc-running")).to_contain_text("Running: consumer_led, seed 3")
            assert _weeks(page) == n

            # reset with a new seed: the values shown are the run's
            seed.fill("7")
            page.get_by_role("button", name="Reset").click()
            expect(week).to_contain_text("Week 0,", timeout=60_000)
            expect(page.locator(".tc-refused")).to_have_count(0)
            expect(page.locator(".tc-running")).to_contain_text("Running: town_team, seed 7")
            expect(page.locator(".tc-caption-vacancy")).to_contain_text("Jan 2008")
            for i in range(1, 4):
                step.click()
                expect(week).to_contain_text(f"Week {i},", timeout=20_000)

            # a second visitor gets a model of their own, at week 0
            ctx2 = browser.new_context(viewport={"width": 1500, "height": 1000})
            net.attach(ctx2)
            page2 = ctx2.new_page()
            net.watch(page2)
            page2.goto(url)
            expect(page2.locator(".tc-week")).to_contain_text("Week 0,", timeout=60_000)
            expect(page2.locator(".tc-running")).to_contain_text("Running: consumer_led, seed 3")
            page2.get_by_role("button", name="Step").click()
            expect(page2.locator(".tc-week")).to_contain_text("Week 1,", timeout=20_000)
            assert _weeks(page) == 3, "the first visitor's model did not move"
            ctx2.close()

            # the README's screenshot: into the second year (the levers on), the whole page
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(
                "() => /Week ([0-9]+),/.exec(document.body.innerText)[1] > 75", timeout=60_000
            )
            page.get_by_role("button", name="❚❚").click()
            expect(page.get_by_role("button", name="▶")).to_be_visible(timeout=20_000)
            page.get_by_text("Levers and parameters").click()  # fold the list again
            page.set_viewport_size({"width": 1500, "height": 1500})
            time.sleep(1.0)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            tmp = SCREENSHOT.with_name(".viz.tmp.png")
            page.screenshot(path=str(tmp))
            os.replace(tmp, SCREENSHOT)
            net.check()
            ctx.close()
        finally:
            browser.close()
    assert time.monotonic() - t0 < 180


def test_sigterm_stops_the_server():
    """`kill PID` of the towncentre process (not its group) stops the page's server."""
    _require(browser=False)
    with _serve() as (url, proc):
        t = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        took = time.monotonic() - t
        assert took < 8.0, f"towncentre viz took {took:.1f} s to stop"
        assert rc == 128 + signal.SIGTERM
        assert not _answers(url), "the server still answers"
        deadline = time.monotonic() + 5
        while True:  # the solara server (same process group) has gone too
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            assert time.monotonic() < deadline, "the solara server outlived towncentre"
            time.sleep(0.1)


def test_offline_assets_cover_solara():
    """Every pinned CDN package the installed Solara asks for is in the install list."""
    pytest.importorskip("solara")
    import re

    import solara

    from sim.viz_assets import PACKAGES

    root = Path(solara.__file__).parent
    have = {f"{n}@{v}" for n, v, _ in PACKAGES}
    texts = [
        (root / "server" / "templates" / "solara.html.j2").read_text(),
        (root / "components" / "markdown.py").read_text(),
        (root / "widgets" / "vue" / "gridlayout.vue").read_text(),
        (root / "server" / "settings.py").read_text(),
    ]
    pat = re.compile(r"/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.-]*)/")
    wanted = {f"{m[0]}@{m[1]}" for t in texts for m in pat.findall(t)}
    wanted = {w for w in wanted if "vuetify3" not in w and "hack-font" not in w}
    assert wanted, "no CDN references found: Solara's layout changed"
    assert wanted <= have, f"not installed for offline use: {sorted(wanted - have)}"


def test_stop_kills_group():
    """The helper that stops the server leaves no process of its group running."""
    if shutil.which("sleep") is None:
        pytest.skip("no sleep binary")
    proc = subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60; wait"], start_new_session=True)
    _stop(proc)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
