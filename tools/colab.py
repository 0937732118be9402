"""The first cells of every numbered notebook: an "Open in Colab" badge, and a setup cell that installs deeplab from
the repository when the notebook runs inside Colab (and does nothing anywhere else).

    python tools/colab.py            # add or update them in nbs/*.ipynb
    python tools/colab.py --check    # exit 1, naming the notebooks, if any is missing or stale (tests/test_repo.py runs this)
"""
import re, sys, json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPO = "deeplab-course/deeplab"
BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
         "(https://colab.research.google.com/github/{repo}/blob/main/nbs/{name})")
SETUP = f'''#| hide
# In Colab, install deeplab from its repository first (anywhere else this cell does nothing)
import sys, subprocess
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "deeplab @ git+https://github.com/{REPO}"], check=True)'''
NUMBERED = re.compile(r"^\d+[a-z]?_.+\.ipynb$")

def notebooks(): return sorted(p for p in (ROOT/"nbs").glob("*.ipynb") if NUMBERED.match(p.name))

def _cell(kind, src, cid):
    c = {"cell_type": kind, "id": cid, "metadata": {}, "source": src.splitlines(keepends=True)}
    if kind == "code": c.update(execution_count=None, outputs=[])
    return c

def wanted(path: Path) -> list:
    "The badge cell and the setup cell `path` should have right after its title cell"
    return [_cell("markdown", BADGE.format(repo=REPO, name=path.name), "c01ab0b1"), _cell("code", SETUP, "c01ab0c2")]

def is_current(path: Path) -> bool:
    cells = json.loads(path.read_text())["cells"]
    got = ["".join(c["source"]) for c in cells[1:3]]
    return got == ["".join(c["source"]) for c in wanted(path)]

def fix(path: Path):
    nb = json.loads(path.read_text())
    cells = [c for c in nb["cells"] if c.get("id") not in ("c01ab0b1", "c01ab0c2")]
    nb["cells"] = cells[:1] + wanted(path) + cells[1:]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")

if __name__ == "__main__":
    stale = [p for p in notebooks() if not is_current(p)]
    if "--check" in sys.argv:
        if stale: print("no Colab badge/setup cell (run python tools/colab.py, then nbdev-clean):", *[p.name for p in stale]); sys.exit(1)
        sys.exit(0)
    for p in stale: fix(p); print("updated", p.name)
