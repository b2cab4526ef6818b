"""The demo page in a real headless Chromium: its numbers are linclass's numbers.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install -y chromium chromium-driver``)
and Playwright for Python. Screenshots go to ``$LINCLASS_ARTIFACTS`` (default ``artifacts/``
under the repository root).
"""

import os
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from linclass.losses import LOSSES
from linclass.objective import linear_loss

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip(f"headless browser tests need Chromium at {CHROMIUM} "
                "(apt-get install -y chromium chromium-driver)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")

from linclass.demo import make_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("LINCLASS_ARTIFACTS", ROOT / "artifacts"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def url():
    server = make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Page:
    """A fresh page of the demo, with its console errors collected."""

    def __init__(self, browser, url, width=1280, height=800):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors = []
        self.page.on("console",
                     lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("html[data-ready=true]", state="attached", timeout=15000)
        self.settle()

    def settle(self):
        """Wait for two animation frames, so the page has drawn the latest state."""
        self.page.evaluate(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def snapshot(self):
        return self.page.evaluate("linclassDemo.snapshot()")

    def row(self, i):
        """Row i of the points table: displayed text and full-precision values of each cell."""
        return self.page.evaluate("""i => [...document.querySelectorAll(
            `#rows tr[data-index="${i}"] td[data-value]`)].map(td => ({
              cls: td.className, text: td.innerText.trim(),
              value: Number(td.dataset.value)}))""", i)

    def value(self, element_id):
        return float(self.page.get_attribute(f"#{element_id}", "data-value"))


@pytest.fixture
def page(browser, url):
    p = Page(browser, url)
    yield p
    p.page.close()


def _library(snap, loss):
    """linclass's numbers for the page's points and weights (W transposed to (D, C))."""
    X = np.array([[p["x"], p["y"]] for p in snap["points"]])
    if snap["features"] == "polar":
        X = np.column_stack([np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 1], X[:, 0])])
    y = np.array([p["label"] for p in snap["points"]])
    W, b = np.array(snap["W"]).T, np.array(snap["b"])
    scores = X @ W + b
    kwargs = {} if loss == "softmax" else {"margin": snap["margin"]}
    per_point = [LOSSES[loss](scores[i:i + 1], y[i:i + 1], **kwargs)[0] for i in range(len(y))]
    data_loss = LOSSES[loss](scores, y, **kwargs)[0]
    total, dW, db = linear_loss(W, b, X, y, loss=loss, reg="l2",
                                reg_strength=snap["regStrength"], margin=snap["margin"])
    return {"scores": scores, "per_point": np.array(per_point), "data_loss": data_loss,
            "total": total, "dW": dW, "db": db, "correct": int((scores.argmax(1) == y).sum())}


def _shown(text, value, digits):
    """The displayed text is the value rounded to ``digits`` decimals."""
    return abs(float(text) - value) <= 0.5 * 10 ** -digits + 1e-9


def test_page_loads_without_console_errors_and_saves_screenshots(browser, url, page):
    assert page.page.title().startswith("linclass demo")
    assert page.snapshot()["points"], "the default dataset has points"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "demo.png"))
    narrow = Page(browser, url, width=420, height=900)
    overflow = narrow.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    narrow.page.screenshot(path=str(ARTIFACTS / "demo-narrow.png"), full_page=True)
    narrow.page.close()
    assert page.errors == [] and narrow.errors == []
    assert overflow <= 0, "the narrow window scrolls sideways"


def test_every_loss_shows_linclass_numbers(page):
    totals = {}
    for loss in LOSSES:
        page.page.select_option("#loss", loss)
        page.settle()
        snap = page.snapshot()
        assert snap["loss"] == loss
        lib = _library(snap, loss)
        assert page.value("total-loss") == pytest.approx(lib["total"], rel=1e-12, abs=1e-12)
        assert page.value("data-loss") == pytest.approx(lib["data_loss"], rel=1e-12, abs=1e-12)
        assert _shown(page.page.inner_text("#total-loss"), lib["total"], 4)
        np.testing.assert_allclose(np.array(snap["dW"]).T, lib["dW"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(snap["db"], lib["db"], rtol=1e-10, atol=1e-12)
        for i in range(len(snap["points"])):
            cells = page.row(i)
            scores = [c for c in cells if "score" in c["cls"]]
            [loss_cell] = [c for c in cells if c["cls"] == "loss"]
            np.testing.assert_allclose([c["value"] for c in scores], lib["scores"][i],
                                       rtol=1e-12, atol=1e-12)
            assert all(_shown(c["text"], s, 2) for c, s in zip(scores, lib["scores"][i],
                                                               strict=True))
            assert loss_cell["value"] == pytest.approx(lib["per_point"][i], rel=1e-12, abs=1e-12)
            assert _shown(loss_cell["text"], lib["per_point"][i], 3)
        totals[loss] = lib["total"]
    assert len(set(np.round(list(totals.values()), 6))) == len(LOSSES), totals
    assert page.errors == []


def test_one_update_lowers_the_total_loss_by_linclass_gradient(page):
    before = page.snapshot()
    lib = _library(before, before["loss"])
    page.page.click("#step")
    page.settle()
    after = page.snapshot()
    assert after["updates"] == 1
    np.testing.assert_allclose(np.array(after["W"]).T,
                               np.array(before["W"]).T - before["lr"] * lib["dW"], rtol=1e-12)
    np.testing.assert_allclose(after["b"], np.array(before["b"]) - before["lr"] * lib["db"],
                               rtol=1e-12)
    assert page.value("total-loss") == pytest.approx(_library(after, after["loss"])["total"])
    assert page.value("total-loss") < before["totalLoss"]
    assert page.page.inner_text("#n-updates") == "1"


def _handle_pixels(snap, size):
    """Where the page draws each class's line handles (base and arrow tip), in canvas pixels."""
    out = []
    for w, b in zip(snap["W"], snap["b"], strict=True):
        w = np.array(w)
        base = -b * w / (w @ w)
        base_px = np.array([(base[0] + 4) / 8 * size, (4 - base[1]) / 8 * size])
        out += [base_px, base_px + 40 * np.array([w[0], -w[1]]) / np.linalg.norm(w)]
    return out


def test_dragging_a_point_changes_its_row(page):
    snap = page.snapshot()
    box = page.page.locator("#view").bounding_box()
    size = box["width"]

    def px(x, y):
        return (x + 4) / 8 * size, (4 - y) / 8 * size

    handles = _handle_pixels(snap, size)
    i = next(k for k, p in enumerate(snap["points"])
             if min(np.hypot(*(np.array(px(p["x"], p["y"])) - h)) for h in handles) > 15)
    sx, sy = px(snap["points"][i]["x"], snap["points"][i]["y"])
    start = (box["x"] + sx, box["y"] + sy)
    before = page.row(i)
    page.page.mouse.move(*start)
    page.page.mouse.down()
    tx, ty = px(-3.0, -3.0)
    page.page.mouse.move(box["x"] + tx, box["y"] + ty, steps=8)
    page.page.mouse.up()
    page.settle()
    after_snap = page.snapshot()
    assert len(after_snap["points"]) == len(snap["points"]), "the drag added or removed points"
    moved = after_snap["points"][i]
    assert (moved["x"], moved["y"]) == pytest.approx((-3.0, -3.0), abs=8 / size * 2)
    after = page.row(i)
    assert [c["text"] for c in after] != [c["text"] for c in before]
    lib = _library(after_snap, after_snap["loss"])
    scores = [c["value"] for c in after if "score" in c["cls"]]
    np.testing.assert_allclose(scores, lib["scores"][i], rtol=1e-12, atol=1e-12)
    assert page.errors == []


def test_click_adds_a_point_of_the_selected_class_and_shift_click_removes_it(page):
    snap = page.snapshot()
    box = page.page.locator("#view").bounding_box()
    size = box["width"]
    spot = np.array([(-3.6 + 4) / 8 * size, (4 + 3.6) / 8 * size])  # world (-3.6, -3.6)
    taken = _handle_pixels(snap, size) + [
        np.array([(p["x"] + 4) / 8 * size, (4 - p["y"]) / 8 * size]) for p in snap["points"]]
    assert min(np.hypot(*(spot - q)) for q in taken) > 15, "test spot is not empty"
    page.page.check("input[name=new-class][value='2']")
    page.page.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
    page.settle()
    points = page.snapshot()["points"]
    assert len(points) == len(snap["points"]) + 1
    assert points[-1]["label"] == 2
    assert (points[-1]["x"], points[-1]["y"]) == pytest.approx((-3.6, -3.6), abs=0.05)
    assert page.page.locator("#rows tr").count() == len(points)
    page.page.keyboard.down("Shift")
    page.page.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
    page.page.keyboard.up("Shift")
    page.settle()
    assert page.snapshot()["points"] == snap["points"]
    assert page.errors == []


def test_polar_features_make_the_circles_separable(page):
    page.page.select_option("#dataset", "circles")
    page.settle()
    n = len(page.snapshot()["points"])
    assert _library(page.snapshot(), "svm")["correct"] < n
    page.page.check("#polar")
    page.page.click("#run")
    page.page.wait_for_function(
        "(n) => linclassDemo.snapshot().correct === n", arg=n, timeout=60000)
    page.page.click("#run")
    page.settle()
    snap = page.snapshot()
    assert snap["features"] == "polar" and snap["updates"] > 0
    assert _library(snap, snap["loss"])["correct"] == n  # linclass agrees: every point right
    assert page.page.inner_text("#accuracy") == f"{n} / {n}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "demo-polar-circles.png"))
    assert page.errors == []


def test_keyboard_adds_and_removes_points(page):
    n = len(page.snapshot()["points"])
    page.page.focus("#add-x")
    page.page.keyboard.press("Control+a")
    page.page.keyboard.type("1.5")
    page.page.focus("#add")
    page.page.keyboard.press("Enter")
    page.settle()
    points = page.snapshot()["points"]
    assert len(points) == n + 1 and points[-1]["x"] == 1.5
    page.page.focus(f'#rows tr[data-index="{n}"] button')
    page.page.keyboard.press("Enter")
    page.settle()
    assert len(page.snapshot()["points"]) == n
    page.page.focus("#view")  # on the canvas: n selects the next point, arrows move it
    page.page.keyboard.press("n")
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowUp")
    page.settle()
    moved = page.snapshot()["points"][0]
    first = points[0]
    assert (moved["x"], moved["y"]) == pytest.approx((first["x"] + 0.1, first["y"] + 0.1))
    page.page.keyboard.press("Delete")
    page.settle()
    assert len(page.snapshot()["points"]) == n - 1
    for control in ["#step", "#run", "#restart", "#loss", "#margin", "#reg", "#lr", "#dataset",
                    "#polar", "#W-0-0", "#b-2"]:
        label = page.page.evaluate(
            """s => { const e = document.querySelector(s);
                      return e.labels?.[0]?.innerText || e.getAttribute('aria-label')
                             || e.innerText; }""", control)
        assert label.strip(), f"{control} has no label"



#: Latin words a Korean page keeps: names (linclass, SVM and its authors), the Shift key, the
#: switch's "English", and the symbols s_k, w_k, b_k, L_i as their text reads.
KEPT_IN_KOREAN = {"linclass", "SVM", "Weston", "Watkins", "Crammer", "Singer", "Shift", "English",
                  "sk", "wk", "bk", "Li"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _shown_words(page):
    """Latin words of every string the page shows or announces: its text, title, labels,
    tooltips and every option of its selects."""
    texts = page.page.evaluate("""() => [document.title, document.body.innerText,
        ...[...document.querySelectorAll('[aria-label], [title]')].flatMap(
            e => [e.getAttribute('aria-label') || '', e.getAttribute('title') || '']),
        ...[...document.querySelectorAll('option')].map(o => o.textContent)]""")
    return {word for text in texts for word in re.findall(r"[A-Za-z]{2,}", text)}


def test_the_page_opens_in_korean_from_the_url_and_keeps_working(browser, url):
    page = Page(browser, url + "?lang=ko")
    try:
        assert page.page.evaluate("document.documentElement.lang") == "ko"
        assert page.snapshot()["lang"] == "ko"
        assert page.page.title().startswith("linclass 데모")
        assert page.page.inner_text("h1") == "2차원 선형 분류"
        assert page.page.inner_text("#run") == "갱신 시작"
        assert _shown_words(page) <= KEPT_IN_KOREAN, _shown_words(page) - KEPT_IN_KOREAN
        for loss in LOSSES:  # the options keep linclass's loss names as values
            page.page.select_option("#loss", loss)
        page.page.select_option("#loss", "softmax")
        page.settle()
        assert HANGUL.search(page.page.inner_text("#loss option:checked"))
        before = page.snapshot()
        lib = _library(before, "softmax")
        page.page.click("#step")
        page.settle()
        after = page.snapshot()
        np.testing.assert_allclose(np.array(after["W"]).T,
                                   np.array(before["W"]).T - before["lr"] * lib["dW"], rtol=1e-12)
        assert page.value("total-loss") == pytest.approx(_library(after, "softmax")["total"])
        assert page.page.inner_text("figcaption") == "갱신 1회 동안의 전체 손실"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / "demo-ko.png"))
        assert page.errors == []
    finally:
        page.page.close()
    narrow = Page(browser, url + "?lang=ko", width=420, height=900)
    overflow = narrow.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    narrow.page.screenshot(path=str(ARTIFACTS / "demo-ko-narrow.png"), full_page=True)
    narrow.page.close()
    assert overflow <= 0, "the narrow Korean page scrolls sideways"


def test_the_language_switch_changes_every_word_keeps_the_state_and_the_url(page):
    assert page.page.evaluate("document.documentElement.lang") == "en"
    english = _shown_words(page)
    page.page.click("#step")
    page.page.select_option("#dataset", "own")  # the empty table's message is translated too
    page.page.select_option("#dataset", "blobs")
    page.settle()
    before = page.snapshot()
    page.page.click(".lang button[data-lang=ko]")
    page.settle()
    assert page.page.url.endswith("/?lang=ko")
    assert page.page.get_attribute(".lang button[data-lang=ko]", "aria-pressed") == "true"
    assert _shown_words(page) <= KEPT_IN_KOREAN
    assert len(english - KEPT_IN_KOREAN) > 100  # the English page had words to replace
    after = page.snapshot()
    assert after["lang"] == "ko"
    assert {k: v for k, v in after.items() if k != "lang"} == {
        k: v for k, v in before.items() if k != "lang"}  # same points, W, b, history
    assert page.page.get_attribute("#rows tr[data-index='0'] button", "aria-label") == "점 0 삭제"
    page.page.select_option("#dataset", "own")
    page.settle()
    assert page.page.inner_text("#rows").startswith("아직 점이 없습니다")
    page.page.reload()  # the URL remembers the choice
    page.page.wait_for_selector("html[data-ready=true]", state="attached", timeout=15000)
    assert page.page.evaluate("document.documentElement.lang") == "ko"
    page.page.click(".lang button[data-lang=en]")
    page.settle()
    assert page.page.url.endswith("/?lang=en")
    assert page.page.inner_text("h1") == "Linear classification in 2-D"
    assert not HANGUL.search(page.page.inner_text("main"))
    assert page.errors == []
