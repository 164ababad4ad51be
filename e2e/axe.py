"""axe-core in a Playwright page: run it, keep what it finds, and say it readably.

axe is vendored (e2e/vendor/axe-core, with its licence). The page's CSP allows scripts from its
own origin only, so axe is served to the browser under the site's origin by a route of the test
(never by the site) and added as a <script src>: the page under test keeps its real CSP.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import BrowserContext, Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# A path the site never serves; the test's route answers it with the vendored file.
AXE_PATH = "/__e2e__/axe.min.js"
# The impacts that fail the build; moderate and minor ones are reported only.
BLOCKING = ("critical", "serious")
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(t => Array.isArray(t) ? t.join(" >> ") : t).join(" >>> "),
      summary: n.failureSummary || "",
    })),
  }));
}"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]
    summaries: tuple[str, ...]

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    def describe(self, max_nodes: int = 8) -> str:
        lines = [f"[{self.impact}] {self.rule}: {self.help} ({len(self.targets)} nodes)"]
        lines.append(f"    {self.help_url}")
        for target, summary in list(zip(self.targets, self.summaries, strict=True))[:max_nodes]:
            first = summary.splitlines()[1].strip() if summary.count("\n") else summary
            lines.append(f"    - {target}" + (f"  ({first})" if first else ""))
        if len(self.targets) > max_nodes:
            lines.append(f"    - ... and {len(self.targets) - max_nodes} more")
        return "\n".join(lines)


def serve_axe(context: BrowserContext, base_url: str) -> None:
    """Answer AXE_PATH on the site's origin with the vendored axe, in this browser context."""
    source = AXE_JS.read_bytes()
    context.route(
        urljoin(base_url + "/", AXE_PATH.lstrip("/")),
        lambda route: route.fulfill(
            status=200, body=source, headers={"Content-Type": "text/javascript"}
        ),
    )


def audit(page: Page) -> list[Violation]:
    """axe's violations on the page as it is now (serve_axe must have run on its context)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_PATH)
    found = page.evaluate(RUN_AXE)
    return [
        Violation(
            rule=item["id"],
            impact=item["impact"] or "minor",
            help=item["help"],
            help_url=item["helpUrl"].split("?", 1)[0],
            targets=tuple(node["target"] for node in item["nodes"]),
            summaries=tuple(node["summary"] for node in item["nodes"]),
        )
        for item in found
    ]


def report(where: str, violations: list[Violation]) -> str:
    blocking = [v for v in violations if v.blocking]
    head = f"{len(blocking)} serious or critical accessibility violation(s) on {where}:"
    return "\n".join([head, *(v.describe() for v in blocking)])
