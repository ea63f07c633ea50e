"""The HTML report laid out by a real browser: no overflow, every chart drawn.

Runs only where Debian's chromium is installed (not in CI, whose setup does not install
it); elsewhere it is skipped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from railmount.report import write_reports

CHROMIUM = shutil.which("chromium")
# Measures the page after load and leaves the numbers in the DOM for --dump-dom.
PROBE = """<script>
window.addEventListener("load", () => {
  const body = document.body.getBoundingClientRect();
  const out = {
    page: document.documentElement.scrollWidth,
    view: window.innerWidth,
    clipped: [...document.querySelectorAll(".scroll")]
      .filter(e => e.scrollWidth > e.clientWidth).length,
    charts: [...document.querySelectorAll("figure svg")].map(e => {
      const box = e.getBoundingClientRect();
      return [box.width, box.height, box.right <= body.right + 0.5];
    }),
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def layout(html_path, tmp_path) -> dict:
    page = tmp_path / "probe.html"
    page.write_text(html_path.read_text().replace("</body>", PROBE + "</body>"))
    profile = tmp_path / "profile"
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    argv += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
    argv += [f"--user-data-dir={profile}", "--window-size=1400,3000", "--dump-dom"]
    dom = subprocess.run(
        [*argv, page.as_uri()], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    found = re.search(r'<pre id="probe">([^<]*)</pre>', dom)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
@pytest.mark.parametrize("sample", ["lab_results", "handmade_results"])
def test_report_lays_out_without_overflow(sample, request, tmp_path):
    results = request.getfixturevalue(sample)
    html = write_reports(results, tmp_path / "report")["html"]
    probe = layout(html, tmp_path)
    assert probe["page"] <= probe["view"], probe
    assert probe["clipped"] == 0, probe  # no table needs its scrollbar at 1400 px
    assert probe["charts"], probe
    for width, height, inside in probe["charts"]:
        assert width > 300 and height > 150 and inside, probe
