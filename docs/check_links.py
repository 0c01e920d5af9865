"""Check every internal link and asset reference of the built HTML site.

    python docs/check_links.py docs/_build/html

Walks all HTML files, and for each ``href``/``src`` that is not an external URL (http, https,
mailto, data, javascript) checks that the file it names exists in the build and, for a
``page.html#anchor`` or ``#anchor`` link, that the target page has an element with that id.
External links are not followed (there is no network in CI); Sphinx's own ``-W`` build already
rejects unresolved cross-references, so this catches what it cannot see: raw links in Markdown,
theme assets, gallery images and downloads, and anchors.
"""

from __future__ import annotations

import argparse
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXTERNAL_SCHEMES = {"http", "https", "mailto", "data", "javascript", "tel", "ftp"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, int]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif name in ("href", "src") and not (tag == "a" and name == "src"):
                self.links.append((value, self.getpos()[0]))


@cache
def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    return collector


def check(root: Path) -> list[str]:
    problems = []
    # _static holds the theme's template fragments and vendored MathJax, not pages.
    pages = sorted(p for p in root.rglob("*.html") if "_static" not in p.relative_to(root).parts)
    for page in pages:
        for link, line in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme in EXTERNAL_SCHEMES or parts.netloc:
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            where = f"{page.relative_to(root)}:{line}"
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{where}: {link} -> missing file")
                continue
            if (
                root.resolve() not in target.resolve().parents
                and target.resolve() != root.resolve()
            ):
                problems.append(f"{where}: {link} -> outside the build")
                continue
            anchor = unquote(parts.fragment)
            if anchor and target.suffix == ".html" and anchor not in parse(target).ids:
                problems.append(f"{where}: {link} -> no element with id {anchor!r}")
    print(
        f"check_links: {sum(len(parse(p).links) for p in pages)} links in {len(pages)} pages, "
        f"{len(problems)} broken"
    )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built HTML folder (docs/_build/html)")
    args = parser.parse_args(argv)
    problems = check(args.html)
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
