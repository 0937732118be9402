"""Write the exact versions of deeplab's dependencies (runtime and `dev` extra) installed here to a pip constraints file.

`.ci/run` calls this after the tests pass, so `constraints.txt` records a set of versions the whole course passed with.
A learner whose install breaks on a newer release can install that known-good set:

    pip install -e . -c constraints.txt

and a failure on the latest versions shows up as a diff of this file. Usage:
    python tools/constraints.py [--write constraints.txt] [--check constraints.txt]
`--check` exits 1 when the file does not pin every dependency installed here, or pins a different version.
"""
import re, sys, platform, datetime
import importlib.metadata as md
from pathlib import Path

def _key(name): return re.sub(r"[-_.]+", "-", name).lower()

def closure(dist="deeplab", extras=("dev",), pins:dict|None=None) -> dict:
    """{normalised name: version} of every installed distribution that `pip install deeplab[extras]` needs, deeplab excluded.
    With `pins` ({name: version}, as `read` gives), follow a distribution's own requirements only where the installed
    version is the pinned one: another version (say an IPython the machine had before deeplab came) may need other
    packages than the pinned version does, and what the pinned version needs is what a constraints file must hold."""
    from packaging.requirements import Requirement
    seen, todo = {}, [(dist, tuple(extras))]
    while todo:
        d, ex = todo.pop()
        try: meta = md.distribution(d)
        except md.PackageNotFoundError: continue      # an optional dependency for another platform or Python
        key = _key(meta.metadata["Name"])
        if key in seen: continue
        seen[key] = meta.version
        if pins is not None and key != "deeplab" and pins.get(key) != meta.version: continue
        for r in meta.requires or []:
            req = Requirement(r)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *ex)):
                todo.append((req.name, tuple(req.extras)))
    seen.pop("deeplab", None)
    return dict(sorted(seen.items()))

def render(pins:dict) -> str:
    head = (f"# Versions the deeplab tests passed with (written by tools/constraints.py from .ci/run on "
            f"{datetime.date.today()}, Python {platform.python_version()}, {platform.system()} {platform.machine()}).\n"
            "# Use: pip install -e . -c constraints.txt   (or -e \".[dev]\"). Regenerate: python tools/constraints.py --write constraints.txt\n")
    return head + "".join(f"{k}=={v}\n" for k, v in pins.items())

def read(path) -> dict:
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line: name, _, v = line.partition("=="); pins[_key(name)] = v
    return pins

if __name__ == "__main__":
    args, pins = sys.argv[1:], closure()
    if "--check" in args:
        path = args[args.index("--check") + 1]
        have = read(path)
        diff = {k: (have.get(k), v) for k, v in pins.items() if have.get(k) != v}
        for k, (a, b) in diff.items(): print(f"{k}: {path} pins {a}, installed {b}")
        sys.exit(1 if diff else 0)
    if "--write" in args:
        path = Path(args[args.index("--write") + 1]); path.write_text(render(pins)); print(f"wrote {path}: {len(pins)} pins")
    else: sys.stdout.write(render(pins))
