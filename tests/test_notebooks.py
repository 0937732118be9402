"""Every notebook in nbs/ is a test: each runs in its own `nbdev-test` process (same skip rules and flags as
nbdev-test), so notebooks cannot leak seeds, environment or the Keras backend into each other.
The architecture chapters run a second time on the JAX backend: their model code must be backend-agnostic.

Time is a budget: at the quick scale a notebook must finish within this machine's per-notebook budget on the default
backend (40 s on the reference box, times the box-speed factor that tests/conftest.py measures); its wall time is
reported either way (`tests/conftest.py` prints them all, slowest first).

NBDEV_TEST_FLAGS="slow" (or "gpu slow") also runs the flagged cells, e.g. on a GPU runtime.
"""
import os, sys, time, shutil, subprocess, importlib.util
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from conftest import box_speed

ROOT = Path(__file__).resolve().parents[1]
cfg = get_config(ROOT)
NBS = sorted(p for p in nbglob(cfg.nbs_path, as_path=True) if not (p.parent/".notest").exists())
JAX_NBS = [p for p in NBS if p.name.split("_", 1)[-1].startswith("architectures.")]
HAVE_JAX = importlib.util.find_spec("jax") is not None
NBDEV_TEST = str(Path(sys.executable).parent/"nbdev-test") if (Path(sys.executable).parent/"nbdev-test").exists() \
             else shutil.which("nbdev-test")
CASES = [(p, "tensorflow") for p in NBS] + [(p, "jax") for p in JAX_NBS]

def _run(nb: Path, backend: str):
    # TensorFlow's oneDNN CPU kernels stay on, as a learner has them (`deeplab run`): about 1.5-2x faster convolutions
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("IN_TEST", None)
    cmd = [NBDEV_TEST, str(nb), "--n-workers", "0", "--flags", os.environ.get("NBDEV_TEST_FLAGS", "")]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)

@pytest.mark.parametrize("nb,backend", CASES, ids=[f"{p.relative_to(cfg.nbs_path)}[{b}]" for p, b in CASES])
def test_notebook(nb, backend, record_property):
    if backend == "jax" and not HAVE_JAX: pytest.fail("jax is not installed: pip install -e '.[dev]'")
    t0 = time.perf_counter()
    r = _run(nb, backend)
    secs = time.perf_counter() - t0
    for k, v in (("notebook", nb.name), ("backend", backend), ("notebook_seconds", round(secs, 1))): record_property(k, v)
    ok = r.returncode == 0 and "Success." in r.stdout + r.stderr
    assert ok, f"{nb.name} failed on {backend} (rc={r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-8000:]}"
    quick = not os.environ.get("NBDEV_TEST_FLAGS", "").strip() and os.environ.get("DEEPLAB_SCALE", "auto") != "full"
    budget = box_speed()
    if quick and backend == "tensorflow":
        assert secs <= budget["notebook_budget_s"], (
            f"{nb.name} took {secs:.0f} s at the quick scale, over its budget of {budget['notebook_budget_s']} s on this "
            f"machine (40 s on the reference box x box-speed factor {budget['factor']}). Make its quick scale smaller "
            f"(fewer examples, epochs or models); the full scale is where the size goes.")
