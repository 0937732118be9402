"""Every notebook in nbs/ is a test: each runs in its own `nbdev-test` process (same skip rules and flags as
nbdev-test), so notebooks cannot leak seeds, environment or the Keras backend into each other.
The architecture chapters run a second time on the JAX backend: their model code must be backend-agnostic.

Time is a budget: at the quick scale a notebook must finish within this machine's per-notebook budget on the default
backend (40 s on the reference box, times the box-speed factor that tests/conftest.py measures); its wall time is
reported either way (`tests/conftest.py` prints them all, slowest first).

NBDEV_TEST_FLAGS="slow" (or "gpu slow") also runs the flagged cells, e.g. on a GPU runtime.

On a GPU box (or a Colab GPU runtime), `python -m pytest tests --gpu -k on_gpu` runs every notebook at the quick scale
on the GPU, with the `#| gpu` cells, on the backend in KERAS_BACKEND (TensorFlow by default; JAX where TensorFlow is not
installed). Without `--gpu`, or without a visible GPU, those tests are skipped and say why.
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

def _run(nb: Path, backend: str, flags:str|None=None, extra_env:dict|None=None):
    # TensorFlow's oneDNN CPU kernels stay on, as a learner has them (`deeplab run`): about 1.5-2x faster convolutions
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", **(extra_env or {})}
    env.pop("IN_TEST", None)
    cmd = [NBDEV_TEST, str(nb), "--n-workers", "0", "--flags", os.environ.get("NBDEV_TEST_FLAGS", "") if flags is None else flags]
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

def _gpu_backend() -> str:
    if os.environ.get("KERAS_BACKEND"): return os.environ["KERAS_BACKEND"]
    return "tensorflow" if importlib.util.find_spec("tensorflow") else "jax"

_GPU = {}
def _visible_gpu(backend: str) -> list:
    "The GPUs the backend sees, asked in a fresh process (importing a backend here would pin this process to it)"
    if backend not in _GPU:
        code = "from deeplab.core import list_devices; print([d for d in list_devices() if not d.startswith('CPU')])"
        r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                           env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"})
        _GPU[backend] = eval(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 and r.stdout.strip() else []
    return _GPU[backend]

@pytest.mark.parametrize("nb", NBS, ids=[str(p.relative_to(cfg.nbs_path)) for p in NBS])
def test_notebook_on_gpu(nb, request, record_property):
    "Every notebook's cells, at the quick scale, on the visible GPU, with the `#| gpu` cells (run with --gpu)"
    if not request.config.getoption("--gpu"): pytest.skip("GPU run not asked for: python -m pytest tests --gpu -k on_gpu")
    backend = _gpu_backend()
    gpus = _visible_gpu(backend)
    if not gpus: pytest.skip(f"--gpu: no GPU visible to the {backend} backend on this machine")
    t0 = time.perf_counter()
    r = _run(nb, backend, flags="gpu", extra_env={"DEEPLAB_SCALE": "quick"})
    for k, v in (("notebook", nb.name), ("backend", f"{backend} on {gpus[0]}")): record_property(k, v)
    assert r.returncode == 0 and "Success." in r.stdout + r.stderr, \
        f"{nb.name} failed on {gpus[0]} ({backend}) after {time.perf_counter() - t0:.0f} s:\n{r.stdout[-4000:]}\n{r.stderr[-8000:]}"
