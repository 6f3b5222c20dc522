"""docs/deploy.md shows the deployment files as they are in deploy/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _block(language: str) -> str:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1, f"docs/deploy.md has {len(blocks)} {language} blocks"
    return blocks[0]


def test_the_nginx_configuration_in_the_doc_is_the_file() -> None:
    assert _block("nginx") == (ROOT / "deploy" / "nginx" / "cahr-kg.conf").read_text()
