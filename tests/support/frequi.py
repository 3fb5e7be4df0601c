"""FreqUI in a real browser: a local static server for a copy of FreqUI's build, headless
Debian chromium driven by selenium, and a page object that reads what FreqUI renders as text.

FreqUI is not in the repository: tests use the build in ``../shared/frequi`` (beside the
repository, like ``../shared/data``) and skip with a reason where it, chromium or chromedriver is
missing. The copy is served from its own port, never from freqtrade's package folder (a
developer's freqtrade may hold a UI there), so the bot must allow that origin
(``frequi_api_server``).
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harness.emulator import REPO

try:  # a dev dependency: without it ``missing()`` says so and the browser tests skip
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    webdriver = None

SHARED_FREQUI = REPO.parent / "shared" / "frequi"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Flags chromium needs as root in a container, offline: without the background-networking ones
# its calls home are refused by the closed network and slow every page.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1600,1000",
    # FreqUI formats chart values with the browser's locale: pin it so "1,234.5" parses.
    "--lang=en-US",
)
UI_TIMEOUT_S = 60.0


def missing() -> str | None:
    """Why a FreqUI browser test cannot run here, or None."""
    if not (SHARED_FREQUI / "dist" / "index.html").is_file():
        return f"no FreqUI build at {SHARED_FREQUI}/dist"
    for program in (CHROMIUM, CHROMEDRIVER):
        if not Path(program).is_file() and not shutil.which(Path(program).name):
            return f"{Path(program).name} is not installed (Debian: apt-get install chromium " \
                   "chromium-driver)"
    if webdriver is None:
        return "selenium is not installed (a dev dependency: pip install -e '.[dev]')"
    return None


class _SinglePageHandler(SimpleHTTPRequestHandler):
    """Static files; any path that is not a file is FreqUI's router's (``/trade``,
    ``/graph``): answer index.html, as FreqUI's own nginx config does."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if not path.exists():
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def frequi_site(tmp_path: Path) -> Iterator[str]:
    """Serve a temporary copy of FreqUI's ``dist/`` on 127.0.0.1; yields its origin."""
    root = tmp_path / "frequi"
    shutil.copytree(SHARED_FREQUI / "dist", root)
    handler = functools.partial(_SinglePageHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def frequi_api_server(origin: str) -> dict[str, Any]:
    """Config overrides that let FreqUI at ``origin`` call the bot's REST API."""
    return {"api_server": {"CORS_origins": [origin]}}


@contextmanager
def chromium(tmp_path: Path) -> Iterator[Any]:
    """Headless Debian chromium under selenium, with a new empty profile."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options.add_argument(f"--user-data-dir={profile}")
    service = Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER,
                      log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


# The first visible tooltip box of the chart: its timestamp and every two-span row, as text.
_READ_TOOLTIP = """
const boxes = [...document.querySelectorAll('[_echarts_instance_] > div')].filter(
    box => (box.getAttribute('style') || '').includes('z-index: 9999999')
        && box.offsetParent !== null && getComputedStyle(box).display !== 'none'
        && getComputedStyle(box).visibility !== 'hidden' && getComputedStyle(box).opacity !== '0');
if (!boxes.length) return null;
const stamp = boxes[0].querySelector(':scope > div > span');
const rows = [...boxes[0].querySelectorAll('div')].map(row => [...row.children].filter(
    child => child.tagName === 'SPAN')).filter(spans => spans.length === 2).map(
    spans => [spans[0].innerText.trim(), spans[1].innerText.trim()]);
return [stamp ? stamp.innerText.trim() : '', rows];
"""


@dataclass(frozen=True)
class CandleTooltip:
    """What FreqUI's chart tooltip shows for one candle: its time and each series' value."""

    timestamp: str
    values: dict[str, str]

    def number(self, label: str) -> float:
        """A value as a number (FreqUI prints them in the browser's locale, en-US here)."""
        return float(self.values[label].replace(",", ""))


class FreqUI:
    """FreqUI in a browser, driven as a user would: forms, buttons, hovering; read as text."""

    def __init__(self, driver: Any, origin: str, timeout: float = UI_TIMEOUT_S) -> None:
        self.driver = driver
        self.origin = origin
        self.wait = WebDriverWait(driver, timeout, poll_frequency=0.2)

    # Elements ---------------------------------------------------------------------------------

    def _visible(self, xpath: str) -> Any:
        return self.wait.until(ec.visibility_of_element_located((By.XPATH, xpath)),
                               f"nothing visible at {xpath} on {self.driver.current_url}")

    def _click(self, xpath: str) -> None:
        self.wait.until(ec.element_to_be_clickable((By.XPATH, xpath)),
                        f"nothing clickable at {xpath} on {self.driver.current_url}").click()

    def _fill(self, label: str, value: str) -> None:
        """Type into the input a ``<label>`` names (FreqUI's form fields)."""
        field = self._visible(f"//label[normalize-space()='{label}']")
        box = self.driver.find_element(By.ID, field.get_attribute("for"))
        box.clear()
        box.send_keys(value)

    def body_text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def screenshot(self, path: Path) -> Path:
        self.driver.save_screenshot(str(path))
        return path

    # Pages ------------------------------------------------------------------------------------

    def login(self, api_url: str, username: str, password: str,
              bot_name: str = "ft-bracket") -> None:
        """FreqUI's login form: bot name, API URL, user, password; waits until logged in."""
        self.driver.get(f"{self.origin}/login")
        self._fill("Bot Name", bot_name)
        self._fill("API Url", api_url)
        self._fill("Username", username)
        self._fill("Password", password)
        self._click("//button[@type='submit']")
        self.wait.until(lambda d: "/login" not in d.current_url,
                        f"login refused: {self.body_text()[-500:]}")

    def open_trades(self) -> list[dict[str, str]]:
        """The "Open Trades" table of the trade page, one {column header: cell text} per row."""
        self.driver.get(f"{self.origin}/trade")
        table = "//div[contains(@class,'drag-header')][normalize-space()='Open Trades']" \
                "/following-sibling::*//table"
        self._visible(f"{table}//tbody//td")
        headers = [h.text for h in self.driver.find_elements(By.XPATH, f"{table}//thead//th")]
        return [dict(zip(headers, (c.text for c in row.find_elements(By.TAG_NAME, "td")),
                         strict=False))
                for row in self.driver.find_elements(By.XPATH, f"{table}//tbody/tr")]

    def trade_detail(self, trade_id: int) -> dict[str, str]:
        """Click the trade's row in "Open Trades"; return the Trade Detail pane as
        {label: text}, e.g. ``{"Stoploss": "-2.500% | 1.17", ...}``."""
        self.open_trades()
        self._click(f"//td[starts-with(normalize-space(), '{trade_id} |')]")
        pane = "//div[contains(@class,'drag-header')][normalize-space()='Trade Detail']" \
               "/following-sibling::*"
        self._visible(f"{pane}//label[normalize-space()='Trade Id']"
                      f"/ancestor::div[1]/following-sibling::div[normalize-space()='{trade_id}']")
        detail = {}
        for label in self.driver.find_elements(By.XPATH, f"{pane}//label"):
            value = label.find_elements(By.XPATH, "./ancestor::div[1]/following-sibling::div[1]")
            if label.text and value:
                detail[label.text] = value[0].text
        return detail

    def scroll_to(self, pane: str) -> None:
        """Bring a pane of the trade page (e.g. ``Trade Detail``) to the top of the window, so a
        screenshot shows it (the page is taller than the window)."""
        header = self._visible(
            f"//div[contains(@class,'drag-header')][normalize-space()='{pane}']")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", header)

    def open_chart(self, pair: str) -> None:
        """The Chart page with ``pair`` selected and its candles drawn."""
        self.driver.get(f"{self.origin}/graph")
        picker = self._visible("//button[@aria-label='Show popup']")
        if picker.text.strip() != pair:
            picker.click()
            self._click(f"//*[@role='option'][normalize-space()='{pair}']")
        self._visible(f"//*[normalize-space()='{pair}']")
        self._visible("//*[@_echarts_instance_]//canvas")

    def plot_config_from_strategy(self) -> None:
        """Plot configurator → "From strategy" → "Save", then close it. FreqUI keeps its own
        plot configuration in the browser and loads the strategy's ``plot_config`` only then;
        closing without saving falls back to the saved one."""
        self._click("//button[@title='Plot configurator']")
        self._click("//button[normalize-space()='From strategy']")
        self._visible("//*[normalize-space()='Indicators in this plot']")
        self._click("//button[normalize-space()='Save']")
        self._click("//button[@title='Plot configurator']")  # the button toggles it closed
        self.wait.until_not(lambda d: d.find_elements(
            By.XPATH, "//*[normalize-space()='Plot Configurator']"))

    def tooltip_at_last_candle(self, *series: str) -> CandleTooltip:
        """The tooltip of the newest candle FreqUI drew, once it shows every one of ``series``.
        FreqUI adds a plot configuration's series when it redraws the chart, a moment after
        "Save"; a tooltip read in between lacks them. Fails if they never show."""
        seen: list[CandleTooltip] = []

        def shown(_driver: Any) -> CandleTooltip | None:
            tooltip = self._hover_newest_candle()
            seen[:] = [tooltip]
            return tooltip if all(name in tooltip.values for name in series) else None

        try:
            return self.wait.until(shown)
        except TimeoutException:
            raise AssertionError(f"{series} not in the newest candle's tooltip: {seen}") from None

    def _hover_newest_candle(self) -> CandleTooltip:
        """Hover the chart from its right edge leftwards until the tooltip shows a candle with
        data: the newest candle FreqUI drew (the axis runs on past the data)."""
        canvas = self._visible("//*[@_echarts_instance_]//canvas")
        width, height = canvas.size["width"], canvas.size["height"]
        # Offsets are from the canvas centre; the price grid ends 5.5 % from the right edge.
        right_edge = int(width * (0.5 - 0.055)) - 1
        upper_half = -int(height * 0.2)
        for x in range(right_edge, right_edge - int(width * 0.3), -2):
            ActionChains(self.driver).move_to_element_with_offset(canvas, x, upper_half).perform()
            tooltip = self._read_tooltip()
            if tooltip is not None and tooltip.values.get("close"):
                return tooltip
        raise AssertionError("no candle with data under the right third of the chart")

    def _read_tooltip(self) -> CandleTooltip | None:
        """The tooltip as one read of the page: ECharts redraws it as the mouse moves, and one
        element at a time could meet a row it already replaced (stale, on a slow machine)."""
        read = self.driver.execute_script(_READ_TOOLTIP)
        if read is None:
            return None
        timestamp, rows = read
        values: dict[str, str] = {}
        for name, value in rows:
            values.setdefault(name, value)
        return CandleTooltip(timestamp, values)

    def column_at_last_candle(self, column: str) -> str:
        """The value FreqUI's tooltip shows for strategy column ``column`` at the newest candle
        (the column must be in the plot configuration, e.g. via ``plot_config_from_strategy``)."""
        return self.tooltip_at_last_candle(column).values[column]
