#!/usr/bin/env python3
"""How fast is this machine, next to the reference box the course's time budgets are written for?

Trains the keras-io "Simple MNIST convnet" on synthetic 28x28 images for a few seconds (TensorFlow, CPU,
the same environment CI uses) and prints images per second, the slowdown factor against the reference box,
and the budgets that follow. The reference box ran the real recipe at 7-8.5 s per 54,000-image MNIST epoch;
this short synthetic run measures about 1.5x the real recipe's rate on the same machine, hence 10,500 here.
Machines here have measured between 1x and about 5.5x slower than the reference.

    python tools/box_speed.py            # human-readable
    python tools/box_speed.py --json     # {"images_per_s": ..., "factor": ..., "notebook_budget_s": ...}

The project owns this measurement (tests/conftest.py runs it before the notebook tests), so a fork's CI on any runner
gets the same budgets. REFERENCE_IMAGES_PER_S is the reference box; change it only together with the budgets below.

Budgets (reference-box seconds times the factor): a quick-scale notebook 40 s; the whole CI 15 minutes, and
never more than 75 minutes on any machine (CI is cut off at 90).
"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3"); os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np, keras

REFERENCE_IMAGES_PER_S = 10500.0
NOTEBOOK_BUDGET_S, CI_BUDGET_S, CI_HARD_CAP_S = 40.0, 900.0, 4500.0

def images_per_second(n=4096, reps=3):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).random((n, 28, 28, 1), dtype=np.float32)
    y = np.random.default_rng(1).integers(0, 10, n)
    m = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                          keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                          keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dropout(0.5),
                          keras.layers.Dense(10, activation="softmax")])
    m.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    m.fit(x[:512], y[:512], batch_size=128, epochs=1, verbose=0)          # compile and warm up
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter(); m.fit(x, y, batch_size=128, epochs=1, verbose=0)
        best = max(best, n / (time.perf_counter() - t))
    return best

if __name__ == "__main__":
    ips = images_per_second()
    factor = max(1.0, REFERENCE_IMAGES_PER_S / ips)
    out = dict(images_per_s=round(ips), factor=round(factor, 2), notebook_budget_s=round(NOTEBOOK_BUDGET_S * factor),
               ci_budget_s=round(min(CI_BUDGET_S * factor, CI_HARD_CAP_S)))
    if "--json" in sys.argv: print(json.dumps(out))
    else:
        print(f"this machine: {out['images_per_s']} images/s on the keras-io MNIST convnet "
              f"({out['factor']}x slower than the reference box)")
        print(f"budgets here: a quick-scale notebook {out['notebook_budget_s']} s, the whole CI {out['ci_budget_s']} s "
              f"(reference box: {NOTEBOOK_BUDGET_S:.0f} s and {CI_BUDGET_S:.0f} s)")
