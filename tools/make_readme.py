"""Write README.md from nbs/index.ipynb (the docs home is the source of truth).

nbdev-readme does this with quarto; where quarto is not installed, this script writes the same markdown:
the title, the `>` subtitle and every markdown cell, in order. tests/test_repo.py checks they agree.
Usage: python tools/make_readme.py [--check]
"""
import sys, json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def render() -> str:
    nb = json.loads((ROOT/"nbs"/"index.ipynb").read_text())
    parts = ["".join(c["source"]).strip() for c in nb["cells"] if c["cell_type"] == "markdown"]
    head = "<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->"
    return head + "\n\n" + "\n\n".join(p for p in parts if p) + "\n"

if __name__ == "__main__":
    text, readme = render(), ROOT/"README.md"
    if "--check" in sys.argv:
        ok = readme.exists() and readme.read_text() == text
        print("README.md is up to date" if ok else "README.md differs from nbs/index.ipynb: run python tools/make_readme.py")
        sys.exit(0 if ok else 1)
    readme.write_text(text); print(f"wrote {readme}")
