"""Every path under a project root, named once.

The data folders (``ontology/``, ``kg/``, ``shapes/``, ``sources/``) hold data
only; code finds them here, resolved from ``--root``, so that a maintainer's
edited copy builds as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Where `make assets` (npm ci) puts the query UI's built files, under a project root.
YASGUI_BUILD = Path("node_modules/@zazuko/yasgui/build")
# The result views' libraries (package.json), each file served by its short name, relative to
# node_modules/: a timeline (vis-timeline), bar charts (Chart.js), graphs (Cytoscape.js).
# vis-timeline's "peer" build, with moment and vis-data beside it: its "standalone" build
# injects its styles as <style> elements, which the pages' policy refuses.
VENDOR_FILES: dict[str, str] = {
    "moment.js": "moment/min/moment.min.js",
    "vis-data.js": "vis-data/peer/umd/vis-data.min.js",
    "vis-timeline.js": "vis-timeline/peer/umd/vis-timeline-graph2d.min.js",
    "vis-timeline.css": "vis-timeline/styles/vis-timeline-graph2d.min.css",
    "chart.js": "chart.js/dist/chart.umd.min.js",
    "cytoscape.js": "cytoscape/dist/cytoscape.min.js",
}


@dataclass(frozen=True)
class Layout:
    """The folders and files of one CAHR-KG project checkout."""

    root: Path

    @classmethod
    def at(cls, root: str | Path = ".") -> Layout:
        return cls(Path(root).resolve())

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def competency_dir(self) -> Path:
        return self.root / "ontology" / "competency"

    @property
    def kg_dir(self) -> Path:
        return self.root / "kg"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def checks_dir(self) -> Path:
        return self.root / "shapes" / "checks"

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology_dir.glob("*.ttl"))

    def article_files(self) -> list[Path]:
        return sorted(self.kg_dir.glob("*.ttl"))

    def shape_files(self) -> list[Path]:
        return sorted(self.shapes_dir.glob("*.ttl"))

    def check_files(self) -> list[Path]:
        return sorted(self.checks_dir.glob("*-violation.rq"))

    def competency_files(self) -> list[Path]:
        return sorted(self.competency_dir.glob("*.rq"))

    def source_text(self, slug: str) -> Path:
        return self.sources_dir / f"{slug}.txt"

    def relative(self, path: Path) -> str:
        """``path`` relative to the root, for messages (``kg/x.ttl``)."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)
