"""What CI costs, made visible and bounded. Before the tests start, the controller measures this machine with the
project's own `tools/box_speed.py` (its factor against the reference box and the budgets that follow); each notebook test
fails when a quick-scale notebook runs over its budget; the end of the run prints every notebook's wall time, slowest
first, and the session's time against the CI budget, and fails the run when the session is over that budget."""
import os, sys, json, time, subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOX_SPEED = ROOT/"tools"/"box_speed.py"
SLOWEST_FACTOR = 5.5   # without the script: the slowest machine seen, so that the budgets stay generous, not absent

def _measure() -> dict:
    if BOX_SPEED.exists():
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}
        r = subprocess.run([sys.executable, str(BOX_SPEED), "--json"], env=env, capture_output=True, text=True, timeout=600)
        if r.returncode == 0: return {**json.loads(r.stdout.strip().splitlines()[-1]), "source": str(BOX_SPEED)}
        print(f"box_speed.py failed ({r.stderr[-300:]}); using the slowest factor", file=sys.stderr)
    return dict(images_per_s=None, factor=SLOWEST_FACTOR, notebook_budget_s=round(40 * SLOWEST_FACTOR),
                ci_budget_s=round(min(900 * SLOWEST_FACTOR, 4500)), source=f"{BOX_SPEED} not found: assumed the slowest box")

def box_speed() -> dict:
    "This machine's box-speed figures: measured once by the controller, passed to the xdist workers in the environment"
    if "DEEPLAB_BOX_SPEED" not in os.environ: os.environ["DEEPLAB_BOX_SPEED"] = json.dumps(_measure())
    return json.loads(os.environ["DEEPLAB_BOX_SPEED"])

_TIMES, _T0 = [], [time.time()]

def pytest_addoption(parser):
    parser.addoption("--gpu", action="store_true", default=False,
                     help="also run every notebook at the quick scale on the visible GPU, with its `#| gpu` cells "
                          "(tests/test_notebooks.py::test_notebook_on_gpu; skipped with the reason where no GPU is visible)")

def pytest_configure(config):
    if hasattr(config, "workerinput"): return          # a worker: the controller has measured already
    _T0[0] = time.time()
    if any("test_notebooks" in str(a) or a.rstrip("/").endswith("tests") or a == "." for a in config.args) or not config.args:
        box_speed()                                     # before xdist starts its workers (they inherit the environment)

def pytest_runtest_logreport(report):
    if report.when == "call":
        props = dict(report.user_properties)
        if "notebook_seconds" in props: _TIMES.append((props["notebook_seconds"], props["notebook"], props["backend"], report.passed))

def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput") or not _TIMES: return
    b, tr = box_speed(), terminalreporter
    session = time.time() - _T0[0]
    tr.section("notebook wall times (slowest first)")
    tr.write_line(f"box speed: factor {b['factor']} against the reference box ({b['source']}); budgets here: "
                  f"{b['notebook_budget_s']} s per quick-scale notebook, {b['ci_budget_s']} s for the whole CI")
    for secs, nb, backend, ok in sorted(_TIMES, reverse=True):
        over = "  OVER BUDGET" if secs > b["notebook_budget_s"] else ""
        tr.write_line(f"{secs:7.1f} s  {secs / b['notebook_budget_s']:4.0%}  {nb} [{backend}]{'' if ok else '  (failed)'}{over}")
    tr.write_line(f"notebooks: {sum(t[0] for t in _TIMES):.0f} s in all; this session: {session:.0f} s of the CI budget of {b['ci_budget_s']} s")

def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput") or not _TIMES: return
    b = box_speed()
    spent = time.time() - _T0[0]
    if spent > b["ci_budget_s"]:
        print(f"\nCI BUDGET EXCEEDED: the tests took {spent:.0f} s, over this machine's CI budget of {b['ci_budget_s']} s "
              f"(900 s on the reference box x factor {b['factor']}). Make the slowest notebooks above quicker.", file=sys.stderr)
        session.exitstatus = 1
