"""Time to 99% test accuracy on MNIST: the keras-io "Simple MNIST convnet" recipe against deeplab's fast recipe.

Both recipes train in this one process, on the same CPU and the same data (all 60,000 training images, no validation
split), their epochs interleaved (keras-io epoch 1, fast epoch 1, keras-io epoch 2, ...) so that a change in the
machine's load hits both. After every epoch the test accuracy is measured with the clock stopped; a recipe's time is its
training time until the first epoch whose test accuracy reaches the target. The recipes and models are those of lab 31
(`deeplab.challenges.compute.RECIPES`, `build_keras_io_cnn`, `build_fast_cnn`).

    DEEPLAB_MIRROR=/path/to/shared/datasets python benchmarks/mnist_time_to_accuracy.py [--target 0.99] [--max-epochs 15]
"""
import argparse, json, os, platform, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout without installing


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", type=float, default=0.99, help="test accuracy to reach (default 0.99)")
    p.add_argument("--max-epochs", type=int, default=15, help="give up on a recipe after this many epochs (keras-io trains 15)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--recipes", nargs="+", default=["keras_io", "deeplab_fast"], help="recipes to run, in this order")
    p.add_argument("--json", type=str, default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    if not 0 < args.target <= 1: p.error(f"--target must be in (0, 1]; received {args.target}")
    if args.max_epochs < 1: p.error(f"--max-epochs must be >= 1; received {args.max_epochs}")

    import numpy as np, keras
    from deeplab.core import seed_everything
    from deeplab.data import load_mnist
    from deeplab.cost import model_cost
    from deeplab.challenges.compute import RECIPES, make_recipe, time_to_accuracy
    for r in args.recipes:
        if r not in RECIPES: p.error(f"unknown recipe {r!r}; choose from {sorted(RECIPES)}")

    data = load_mnist()
    if data.dataset != "mnist":
        print(f"warning: MNIST was not found, running on {data.dataset!r}; set DEEPLAB_MIRROR", file=sys.stderr)
    prep = lambda X: (X[..., None] / 255.0).astype("float32")
    X, y, X_test, y_test = prep(data.X_train), data.y_train, prep(data.X_test), data.y_test
    print(f"{data.dataset}: {len(X)} train / {len(X_test)} test images; keras {keras.__version__} on {keras.backend.backend()}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; target {args.target}", flush=True)

    runs = {}
    for name in args.recipes:
        seed_everything(args.seed)
        model, batch_size, planned = make_recipe(name, len(X))
        # a recipe with a schedule trains for its planned epochs; keras-io's constant rate runs until the target or the cap
        runs[name] = dict(model=model, batch_size=batch_size, cap=planned if RECIPES[name]["lr"] else args.max_epochs,
                          seconds=[], accuracy=[], time_to_target=None, done=False)
    for epoch in range(1, args.max_epochs + 1):          # interleaved: one epoch of each recipe still running
        for name, r in runs.items():
            if r["done"]: continue
            e = time_to_accuracy(r["model"], X, y, X_test, y_test, r["batch_size"], max_epochs=1, target=None)
            r["seconds"].append((r["seconds"][-1] if r["seconds"] else 0.0) + e.seconds[0])
            r["accuracy"].append(e.accuracy[0])
            print(f"  {name:13s} epoch {epoch:2d}  {r['seconds'][-1]:7.1f} s  test accuracy {r['accuracy'][-1]:.4f}", flush=True)
            if r["accuracy"][-1] >= args.target: r["time_to_target"], r["done"] = r["seconds"][-1], True
            if epoch >= r["cap"]: r["done"] = True
        if all(r["done"] for r in runs.values()): break
    results = {}
    for name, r in runs.items():
        results[name] = dict(seconds=r["seconds"], accuracy=r["accuracy"], time_to_target=r["time_to_target"],
                             epochs=len(r["seconds"]), batch_size=r["batch_size"], macs_per_image=model_cost(r["model"]).macs,
                             params=r["model"].count_params())
        got = f"{r['time_to_target']:.1f} s ({len(r['seconds'])} epochs)" if r["time_to_target"] else f"not reached in {len(r['seconds'])} epochs"
        print(f"{name}: time to {args.target}: {got}", flush=True)

    if {"keras_io", "deeplab_fast"} <= set(results):
        a, b = results["deeplab_fast"]["time_to_target"], results["keras_io"]["time_to_target"]
        if a and b: msg = f"ratio deeplab_fast / keras_io = {a:.1f} s / {b:.1f} s = {a / b:.3f} (goal <= 0.333)"
        elif a: msg = (f"keras_io did not reach {args.target} in {results['keras_io']['epochs']} epochs "
                       f"({results['keras_io']['seconds'][-1]:.1f} s): ratio < {a / results['keras_io']['seconds'][-1]:.3f}")
        else: msg = f"deeplab_fast did not reach {args.target}: no ratio"
        print(msg)
        results["summary"] = msg
    if args.json: Path(args.json).write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
