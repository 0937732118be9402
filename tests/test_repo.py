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
    for need in ("deeplab/core.py", "deeplab/settings.py", "deeplab/train.py", "deeplab/cli.py", "deeplab/_modidx.py",
                 "deeplab/data/__init__.py", "deeplab/data/registry.py", "deeplab/data/store.py", "deeplab/data/synthetic.py",
                 "deeplab/data/loaders.py", "deeplab/datasets_manifest.tsv", "deeplab/architectures/__init__.py"):
        assert need in names, need
    assert "deeplab/data.py" not in names, "the old single-module deeplab/data.py must not ship beside the deeplab/data/ package"
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

def test_readme_use_it_from_python(tmp_path):
    "The README's 'Use it from Python' block runs in a fresh interpreter, outside the repository, and prints what the README says"
    text = (ROOT/"README.md").read_text()
    section = text.split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    code, printed = re.search(r"```python\n(.*?)```.*?```\n(.*?)```", section, re.S).groups()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={**env, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == printed.strip(), f"the README says it prints\n{printed}\nbut it printed\n{r.stdout}"

def test_readme_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"make_readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout

def test_package_stands_alone():
    "deeplab/ passes pyflakes' rules (ruff F): no name that only a notebook's hidden cell defines, no unused or star imports"
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent/"ruff")
    r = subprocess.run([ruff, "check", "--select", "F", "--output-format", "concise", "deeplab"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, "ruff check --select F deeplab:\n" + r.stdout[-4000:] + r.stderr[-2000:]

# ---------------------------------------------------------------- what the labs import at run time
BACKEND_PACKAGES = {"jax", "torch"}   # imported only when KERAS_BACKEND selects them, which needs the user to install them

def _runtime_closure(dist="deeplab") -> set:
    "Normalised names of the distributions `pip install deeplab` (no extras) installs"
    import importlib.metadata as md
    from packaging.requirements import Requirement
    seen, todo = set(), [dist]
    while todo:
        d = todo.pop(); key = re.sub(r"[-_.]+", "-", d).lower()
        if key in seen: continue
        seen.add(key)
        for r in md.requires(d) or []:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate({"extra": ""}): todo.append(req.name)
    return seen

def test_notebook_imports_are_runtime_dependencies():
    "Every import a notebook makes in a cell that `deeplab run` executes comes with `pip install -e .` (no extras)"
    import ast, importlib.metadata as md
    import nbformat
    from deeplab.cli import prepare_lab
    runtime, owners = _runtime_closure(), md.packages_distributions()
    missing = {}
    for nb_path in sorted((ROOT/"nbs").glob("*.ipynb")):
        nb = prepare_lab(nbformat.read(nb_path, as_version=4), flags={"slow", "gpu"}, skip_flags=("notest",))
        for cell in (c for c in nb.cells if c.cell_type == "code"):
            src = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(src)):
                if isinstance(node, ast.Import): names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0: names = [node.module]
                else: continue
                for top in {n.split(".")[0] for n in names} - set(sys.stdlib_module_names) - {"deeplab", "__future__"} - BACKEND_PACKAGES:
                    if not any(re.sub(r"[-_.]+", "-", d).lower() in runtime for d in owners.get(top, [])):
                        missing.setdefault(top, set()).add(nb_path.name)
    assert not missing, ("notebooks import packages that `pip install -e .` does not install; add them to "
                         f"[project] dependencies in pyproject.toml: {dict((k, sorted(v)) for k, v in missing.items())}")

# ---------------------------------------------------------------- Colab
def test_every_lab_opens_with_the_colab_badge_and_setup_cell():
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"colab.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def _colab_setup():
    sys.path.insert(0, str(ROOT/"tools"))
    try: import colab
    finally: sys.path.pop(0)
    return colab.SETUP

def test_colab_setup_cell_does_nothing_outside_colab(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(_colab_setup(), {})
    assert calls == [], "outside Colab the setup cell must not run anything"

def test_colab_setup_cell_installs_deeplab_in_colab(monkeypatch):
    import types
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(_colab_setup(), {})
    (args, kwargs), = calls
    assert args[0][:4] == [sys.executable, "-m", "pip", "install"] and kwargs == {"check": True}
    assert "deeplab @ git+https://github.com/deeplab-course/deeplab" in args[0]

# ---------------------------------------------------------------- known-good versions
def test_constraints_file_pins_every_dependency():
    "constraints.txt (written by .ci/run after a green run) pins every runtime and dev dependency with ==, so the README's `-c constraints.txt` install is complete"
    sys.path.insert(0, str(ROOT/"tools"))
    try: import constraints
    finally: sys.path.pop(0)
    text = (ROOT/"constraints.txt").read_text()
    lines = [l.split("#", 1)[0].strip() for l in text.splitlines()]
    lines = [l for l in lines if l]
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^=\s]+", l) for l in lines), [l for l in lines if "==" not in l]
    pinned = constraints.read(ROOT/"constraints.txt")
    # what the pinned versions need; a dependency installed here at another version than the pin (the machine had it
    # before deeplab came, and pip kept it) is still checked to be pinned, but its own requirements are the pin's, not its
    missing = sorted(set(constraints.closure(pins=pinned)) - set(pinned))
    assert not missing, f"constraints.txt lacks {missing}: run python tools/constraints.py --write constraints.txt"
    assert "-c constraints.txt" in (ROOT/"README.md").read_text(), "the README must offer the known-good versions"
