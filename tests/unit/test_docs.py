"""The documentation speaks to any contributor (issue #13, item 13): no folder of one machine, no
pointer to files outside the repository, and every relative link in README, CONTRIBUTING and
docs/ leads to a file that exists. ~0.1 s."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "docs" / "robot-keywords.html"]
MACHINE_PATHS = re.compile(r"(?<![\w.])/(work|root|home|Users)/")
OUTSIDE = re.compile(r"\.\./shared/|DESIGN\.md §|tflm-arena-facts\.md|CONTRIBUTING-AGENTS")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_no_machine_paths_or_pointers_outside_the_repository():
    bad = []
    for doc in DOCS:
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            if MACHINE_PATHS.search(line) or OUTSIDE.search(line):
                bad.append(f"{doc.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not bad, "\n".join(bad)


def test_relative_links_lead_to_files():
    broken = []
    for doc in DOCS:
        if doc.suffix != ".md":
            continue
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, broken
