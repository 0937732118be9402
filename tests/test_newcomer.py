"""The newcomer: a fresh clone and a fresh virtualenv, the README's first command as written (`pip install -e .`, no
extras), no dataset mirror, an empty home folder and a shell that does not quieten TensorFlow, on one real lab.
This is the check that catches what only the `dev` extra installs (the first release's labs all failed on
`import fastcore` this way) and noise on the terminal. The pip cache is used, so a warm run costs a minute or two."""
import os, re, sys, json, shutil, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB = "02_train"
NOISE = re.compile(r"absl::InitializeLog|cuda drivers|cpu_feature_guard|oneDNN custom operations|cuInit|"
                   r"without encryption|^[IWE]\d{4} \d\d:\d\d", re.M)

def readme_main_command() -> str:
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", (ROOT/"README.md").read_text(), re.S)
    return next(b for b in blocks if "deeplab run" in b).strip()

def fresh_clone(dst: Path) -> Path:
    "The tracked files, as `git clone` gives them"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
    for f in filter(None, files):
        if (ROOT/f).is_file(): (dst/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, dst/f)
    return dst

def test_readme_main_command_on_a_fresh_machine(tmp_path):
    cmd = readme_main_command()
    assert cmd == "pip install -e . && deeplab run --scale quick", f"the README's main command changed: update this test ({cmd!r})"
    clone, venv, home = fresh_clone(tmp_path/"deeplab"), tmp_path/"venv", tmp_path/"home"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE",
            "PIP_DISABLE_PIP_VERSION_CHECK", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "http_proxy", "https_proxy", "no_proxy")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(HOME=str(home), VIRTUAL_ENV=str(venv), PATH=f"{venv/'bin'}{os.pathsep}{os.environ['PATH']}",
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR") or str(Path.home()/".cache"/"pip"))   # the pip cache is fine
    one_lab = cmd.replace("deeplab run", f"deeplab run {LAB}") + " --out run"   # the README's command, on one lab
    r = subprocess.run(["bash", "-c", one_lab], cwd=clone, env=env, capture_output=True, text=True, timeout=1800)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"the README's main command failed on a fresh machine (rc={r.returncode}):\n{out[-6000:]}"
    assert f"| {LAB} | test_accuracy |" in r.stdout, r.stdout[-3000:]
    run = r.stdout[r.stdout.index("| lab |"):] + r.stderr[r.stderr.find("deeplab run:"):]   # what `deeplab run` printed
    assert not NOISE.search(run), f"C++/ipykernel noise reached the terminal:\n{run[-4000:]}"
    res = json.loads((clone/"run"/"results.json").read_text())
    assert res["ok"] and {x["lab"] for x in res["results"]} == {LAB}
    if res["results"][0]["dataset"] == "digits":   # no mirror and no network: the fallback, and the learner is told
        assert "NOTICE: MNIST is not available" in r.stderr and "Notices:" in r.stdout
    site = next((venv/"lib").glob("python*/site-packages"))
    assert not (site/"jupyterlab").exists() and not (site/"pytest").exists(), "the newcomer must not have the dev extra"
