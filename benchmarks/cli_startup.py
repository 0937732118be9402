"""How long the `deeplab` commands that need no model take to answer, against `deeplab --help` in the same run (#20).

Each command runs in a fresh process (a learner's terminal), `--repeat` times; the script prints the median wall time,
its ratio to `deeplab --help` (argument parsing only) and whether it meets the 0.5 s goal. Exit status 1 if one misses.
    python benchmarks/cli_startup.py [--repeat 5]
Absolute times depend on the machine: print `python tools/box_speed.py` beside them.
"""
import os, sys, time, shutil, statistics, subprocess, argparse

GOAL_S = 0.5
COMMANDS = [["--help"], ["data", "list"], ["data", "verify", "tiny_shakespeare"], ["data", "fetch", "no_such_dataset"], ["run", "--list"]]

def wall(args, repeat):
    exe = shutil.which("deeplab") or sys.exit("the deeplab command is not installed: pip install -e .")
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([exe, *args], capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0]); p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    ref = wall(COMMANDS[0], a.repeat)
    print(f"{'command':40s} {'median s':>9s} {'x --help':>9s}  goal <= {GOAL_S} s")
    missed = 0
    for args in COMMANDS:
        s = wall(args, a.repeat)
        ok = s <= GOAL_S; missed += not ok
        print(f"{'deeplab ' + ' '.join(args):40s} {s:9.3f} {s / ref:9.2f}  {'ok' if ok else 'MISSED'}")
    sys.exit(1 if missed else 0)
