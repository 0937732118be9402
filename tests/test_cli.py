"""The `deeplab` command end to end (as a subprocess, the way a person runs it) and its bad-input table."""
import os, re, sys, json, time, signal, subprocess, textwrap
from pathlib import Path
import pytest
import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent/"deeplab"
DEEPLAB = [str(EXE)] if EXE.exists() else [sys.executable, "-c", "import sys; from deeplab.cli import main; sys.exit(main())"]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "DEEPLAB_SCALE": "quick"}

def deeplab(*args, env=None, timeout=900, cwd=ROOT):
    return subprocess.run([*DEEPLAB, *args], cwd=cwd, env={**ENV, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)

# What a person would otherwise see on the terminal: TensorFlow's C++ logs and ipykernel's start-up warning
NOISE = re.compile(r"absl::InitializeLog|cuda drivers|cpu_feature_guard|oneDNN custom operations|cuInit|"
                   r"without encryption|^[IWE]\d{4} \d\d:\d\d", re.M)
NOISY = {k: v for k, v in ENV.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}   # as a newcomer has it

def noisy(*args, env=None, timeout=900, cwd=ROOT):
    "Run `deeplab` without the variables that quieten TensorFlow, as a newcomer's shell has it"
    return subprocess.run([*DEEPLAB, *args], cwd=cwd, env={**NOISY, **(env or {})}, capture_output=True, text=True, timeout=timeout)

def make_labs(folder: Path, labs: dict):
    folder.mkdir(parents=True, exist_ok=True)
    for name, cells in labs.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells])
        nbformat.write(nb, folder/f"{name}.ipynb")
    return folder

def test_console_script_installed():
    assert EXE.exists(), "the `deeplab` console script is missing: pip install -e ."
    r = deeplab("--help")
    assert r.returncode == 0 and "info" in r.stdout and "run" in r.stdout

def test_info(tmp_path):
    r = noisy("info", env={"DEEPLAB_DATA": str(tmp_path/"data")})
    assert r.returncode == 0, r.stderr
    for key in ("keras", "backend", "devices", "scale", "data_home", "datasets"): assert key in r.stdout, key
    assert not NOISE.search(r.stdout + r.stderr), r.stdout + r.stderr
    log = (tmp_path/"data"/"logs"/"info.log").read_text()
    assert NOISE.search(log) and str(tmp_path/"data"/"logs"/"info.log") in r.stdout   # the noise was made, and went to the log

def test_data_list_and_verify():
    r = deeplab("data", "list")
    assert r.returncode == 0, r.stderr
    for name in ("mnist", "tiny_shakespeare", "bccd", "digits"): assert name in r.stdout
    if os.environ.get("DEEPLAB_MIRROR"):
        r = deeplab("data", "verify", "tiny_shakespeare")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "ok" in r.stdout.lower()

HEAVY = ("keras", "tensorflow", "jax", "torch", "matplotlib", "sklearn")

def test_commands_that_need_no_model_import_no_keras(tmp_path):
    "`data list`, `data verify`, `data fetch` (up to the download) and `run --list` answer without importing Keras or a backend (#20: each <= 0.5 s; benchmarks/cli_startup.py times them)"
    code = f"""
import sys, io, contextlib
from deeplab.cli import main
for args in (["data", "list"], ["run", "--list"], ["data", "verify", "tiny_shakespeare"], ["data", "fetch", "no_such_dataset"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try: main(args)
        except SystemExit: pass
    heavy = [m for m in {HEAVY!r} if m in sys.modules]
    assert not heavy, f"deeplab {{' '.join(args)}} imported {{heavy}}"
print("light")
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "DEEPLAB_DATA": str(tmp_path/"data")})
    assert r.returncode == 0 and "light" in r.stdout, r.stdout + r.stderr

@pytest.mark.parametrize("args,code,message", [
    (["run", "no_such_lab"], 2, "Unknown lab 'no_such_lab'"),
    (["run", "architectures.mpl"], 2, "Did you mean 10_architectures.mlp"),
    (["run", "--scale", "huge"], 2, "scale='huge'"),
    (["run", "--nbs", "/nonexistent/folder"], 2, "nbs='/nonexistent/folder'"),
    (["data", "fetch", "mnsit"], 2, "mnist"),
    (["data", "frobnicate"], 2, "invalid choice"),
    (["frobnicate"], 2, "invalid choice"),
])
def test_bad_input(args, code, message):
    r = deeplab(*args)
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert message in r.stdout + r.stderr

def test_invalid_scale_env():
    r = deeplab("info", env={"DEEPLAB_SCALE": "medium"})
    assert r.returncode == 2 and "DEEPLAB_SCALE='medium'" in r.stderr

def test_run_real_lab(tmp_path):
    "The main job on one real lab: executed notebook, figures, results table (markdown + JSON), exit 0, a clean terminal"
    out = tmp_path/"run"
    r = noisy("run", "02_train", "--out", str(out), timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "| 02_train | test_accuracy |" in r.stdout
    assert not NOISE.search(r.stdout + r.stderr), r.stdout + r.stderr
    assert "02_train: 100%" in r.stderr                                      # the progress bar
    assert NOISE.search((out/"logs"/"02_train.log").read_text() + (out/"logs"/"deeplab.log").read_text())
    res = json.loads((out/"results.json").read_text())
    assert res["ok"] and res["scale"] == "quick"
    row = next(x for x in res["results"] if x["metric"] == "test_accuracy")
    assert row["passed"] and row["value"] >= row["limit"] and row["dataset"] in ("mnist", "digits")
    assert (out/"notebooks"/"02_train.ipynb").exists() and (out/"results.md").exists()
    assert list((out/"figures"/"02_train").glob("*.png"))

def test_run_continues_after_failures(tmp_path):
    "A lab that raises, and one below its floor, are reported; the others still run; exit status 1"
    nbs = make_labs(tmp_path/"nbs", {
        "01_crash": ["from deeplab.train import record", "raise RuntimeError('boom in lab one')", "record('x', 1., floor=0., dataset='toy')"],
        "02_below": ["from deeplab.train import record", "record('accuracy', 0.5, floor=0.9, dataset='toy')"],
        "03_good":  ["from deeplab.train import record", "record('accuracy', 0.95, floor=0.9, dataset='toy')"],
    })
    out = tmp_path/"out"
    r = deeplab("run", "--nbs", str(nbs), "--out", "out", "--no-progress", cwd=tmp_path)   # a relative --out, like the default
    assert r.returncode == 1, r.stdout + r.stderr
    assert "boom in lab one" in r.stdout
    res = json.loads((out/"results.json").read_text())
    got = {(x["lab"], x["passed"]) for x in res["results"]}
    assert got == {("01_crash", False), ("02_below", False), ("03_good", True)}, got
    assert (out/"notebooks"/"01_crash.ipynb").exists()

TRAIN_SCRIPT = """
import sys, numpy as np, keras
from deeplab.core import seed_everything
from deeplab.train import fit
seed_everything(0)
X = np.random.rand(2048, 20).astype("float32"); y = (X.sum(1) > 10).astype("int64")
m = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(2, activation="softmax")])
m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
slow = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, l: __import__("time").sleep(0.4))
h = fit(m, X, y, epochs=int(sys.argv[2]), batch_size=64, checkpoint_dir=sys.argv[1], callbacks=[slow])
print("EPOCHS", len(h.history["loss"]), "ITERATIONS", int(m.optimizer.iterations))
"""

def test_killed_run_resumes(tmp_path):
    "SIGKILL a training process mid-run; the next run resumes from its last completed epoch"
    script, ckpt = tmp_path/"train.py", tmp_path/"ckpt"
    script.write_text(TRAIN_SCRIPT)
    p = subprocess.Popen([sys.executable, str(script), str(ckpt), "12"], env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    log, t0 = ckpt/"history.csv", time.time()
    while time.time() - t0 < 300:      # wait until 3 epochs are on disk, then kill without warning
        if log.exists() and len(log.read_text().strip().splitlines()) >= 4 and (ckpt/"backup").exists(): break
        if p.poll() is not None: pytest.fail("the training process ended before it could be killed:\n" + p.stdout.read())
        time.sleep(0.1)
    p.send_signal(signal.SIGKILL); p.wait()
    done = len(log.read_text().strip().splitlines()) - 1
    assert 3 <= done < 12, done
    r = subprocess.run([sys.executable, str(script), str(ckpt), "12"], env=ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "resuming from the checkpoint" in r.stdout
    assert "EPOCHS 12 ITERATIONS 384" in r.stdout, r.stdout    # 12 epochs x 32 batches: nothing lost, nothing repeated
