"""Checks on the repository itself: notebooks are clean and `deeplab/` is what the notebooks export (both checked
on a copy, so running the tests never rewrites your files), the docs build's notebook processing works
(quarto-free), the package builds and installs its data file, and the README and CI agree on the test command."""
import os, re, sys, shutil, subprocess, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
ENV.pop("IN_TEST", None)   # IN_TEST=1 turns nbdev-export into a silent no-op

def tool(name): return str(BIN/name) if (BIN/name).exists() else shutil.which(name)

@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    "A copy of the tracked files (what a fresh clone has)"
    dst = tmp_path_factory.mktemp("repo")/"deeplab"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
    for f in filter(None, files):
        if (ROOT/f).is_file():
            (dst/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, dst/f)
    return dst

def snapshot(folder: Path, sub: str):
    return {p.relative_to(folder): p.read_bytes() for p in sorted((folder/sub).rglob("*")) if p.is_file() and "__pycache__" not in p.parts}

def test_notebooks_are_clean(copy):
    before = snapshot(copy, "nbs")
    r = subprocess.run([tool("nbdev-clean")], cwd=copy, env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    changed = [str(k) for k, v in snapshot(copy, "nbs").items() if before.get(k) != v]
    assert not changed, f"notebooks not clean (run nbdev-clean and commit): {changed}"

def test_library_in_sync_with_notebooks(copy):
    before = snapshot(copy, "deeplab")
    r = subprocess.run([tool("nbdev-export")], cwd=copy, env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    after = snapshot(copy, "deeplab")
    changed = sorted(str(k) for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"deeplab/ out of sync with nbs/ (run nbdev-export and commit): {changed}"

def test_docs_processing(copy):
    "The docs build's notebook processing (everything but quarto rendering, which CI's deploy job does)"
    code = "from nbdev.quarto import refresh_quarto_yml; from nbdev.serve import proc_nbs; refresh_quarto_yml(); proc_nbs(n_workers=0)"
    r = subprocess.run([sys.executable, "-c", code], cwd=copy, env=ENV, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    procd = {p.name for p in (copy/"_proc").rglob("*.ipynb")}
    assert {"index.ipynb", "00_core.ipynb", "02_train.ipynb"} <= procd, procd

def test_wheel_contents(copy, tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(tmp_path), "-q"],
                       cwd=copy, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    (whl,) = tmp_path.glob("deeplab-*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    for need in ("deeplab/core.py", "deeplab/data.py", "deeplab/train.py", "deeplab/cli.py", "deeplab/_modidx.py",
                 "deeplab/datasets_manifest.tsv", "deeplab/architectures/__init__.py"):
        assert need in names, need
    ep = next(n for n in names if n.endswith("entry_points.txt"))
    assert "deeplab = deeplab.cli:main" in zipfile.ZipFile(whl).read(ep).decode()

def readme_commands():
    text = (ROOT/"README.md").read_text()
    return re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S)

def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    blocks = readme_commands()
    main_cmd = next(b for b in blocks if "deeplab run" in b).strip()
    test_cmd = next(b for b in blocks if "pytest" in b).strip()
    assert "pip install" in main_cmd and "pip install" in test_cmd
    ci = (ROOT/".ci"/"run").read_text()
    assert test_cmd in ci, f".ci/run must run the README's test command: {test_cmd!r}"

def test_readme_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"make_readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
