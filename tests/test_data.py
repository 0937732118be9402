"""Bad inputs and faults of `deeplab.data`, as a table: every case checks the error type and that the message names
the argument, the file or the fix. Every test runs in temporary folders (cache, mirror, HOME, KERAS_HOME), so the
real cache and mirror are never touched. Run: `python -m pytest -q tests/test_data.py`."""
import os, time, tarfile, zipfile, hashlib, io
from pathlib import Path
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from deeplab import data
from deeplab.data import registry, store
from deeplab.data import ChecksumError, ArchiveError, DataUnavailableError, DownloadError

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent/"shared"/"datasets"
REAL_MIRROR = Path(os.environ["DEEPLAB_MIRROR"]) if os.environ.get("DEEPLAB_MIRROR") else (SHARED if SHARED.exists() else None)
needs_mirror = pytest.mark.skipif(REAL_MIRROR is None or not (REAL_MIRROR/"MANIFEST.tsv").exists(),
                                  reason="no dataset mirror (set DEEPLAB_MIRROR or provide ../shared/datasets)")

@pytest.fixture
def env(tmp_path, monkeypatch):
    "An empty cache, an empty HOME and Keras cache, no mirror, downloads off"
    for k, v in {"DEEPLAB_DATA": tmp_path/"cache", "HOME": tmp_path/"home", "KERAS_HOME": tmp_path/"keras",
                 "DEEPLAB_OFFLINE": "1"}.items(): monkeypatch.setenv(k, str(v))
    monkeypatch.delenv("DEEPLAB_MIRROR", raising=False)
    (tmp_path/"home").mkdir()
    return tmp_path

def make_mirror(tmp_path, files: dict) -> Path:
    "A fake mirror holding `files` ({relative path: bytes})"
    m = tmp_path/"mirror"
    for rel, b in files.items(): (m/rel).parent.mkdir(parents=True, exist_ok=True); (m/rel).write_bytes(b)
    return m

# ---------------------------------------------------------------- bad arguments
BAD_ARGS = [
    ("unknown dataset", lambda: data.dataset_info("mnsit"), ValueError, "Did you mean 'mnist'"),
    ("unknown dataset, fetch", lambda: data.fetch("shakespear"), ValueError, "tiny_shakespeare"),
    ("unknown dataset, verify", lambda: data.verify("bccdd"), ValueError, "name='bccdd'"),
    ("omniglot split", lambda: data.load_omniglot(split="evaluation"), ValueError, "split='evaluation'"),
    ("fsdd split", lambda: data.load_fsdd(split="dev"), ValueError, "split='dev'"),
    ("bccd split", lambda: data.load_bccd(split="validation"), ValueError, "split='validation'"),
    ("sentiment source", lambda: data.load_sentiment(source="twitter"), ValueError, "source='twitter'"),
    ("n_train negative", lambda: data.load_mnist(n_train=-1), ValueError, "n_train=-1"),
    ("n_train zero", lambda: data.load_mnist(n_train=0), ValueError, "n_train=0"),
    ("n_train larger than MNIST", lambda: data.load_mnist(n_train=60_001), ValueError, "an integer in [1, 60000]"),
    ("n_test too large", lambda: data.load_mnist(n_test=10**6), ValueError, "n_test=1000000"),
    ("n_train not an int", lambda: data.load_mnist(n_train=2.5), ValueError, "n_train=2.5"),
    ("cifar10 n_train too large", lambda: data.load_cifar10(n_train=50_001), ValueError, "n_train=50001"),
    ("cifar10 n_test not an int", lambda: data.load_cifar10(n_test="all"), ValueError, "n_test='all'"),
    ("synthetic shapes per class", lambda: data.make_synthetic_shapes(n_per_class=0), ValueError, "n_per_class=0"),
]

@pytest.mark.parametrize("case,fn,exc,message", BAD_ARGS, ids=[c[0] for c in BAD_ARGS])
def test_bad_arguments(env, capsys, case, fn, exc, message):
    with pytest.raises(exc) as e: fn()
    assert message in str(e.value), str(e.value)

@needs_mirror
@pytest.mark.parametrize("n", [-3, 73, 10**5])
def test_bad_n_with_real_data(env, monkeypatch, n):
    monkeypatch.setenv("DEEPLAB_MIRROR", str(REAL_MIRROR))
    with pytest.raises(ValueError, match=f"n={n}"): data.load_bccd("test", n=n)   # the test split has 72 images
    with pytest.raises(ValueError, match="n_train"): data.load_mnist(n_train=60_001)

# ---------------------------------------------------------------- checksums
TEXT = "tiny_shakespeare/input.txt"

def test_checksum_mismatch_in_cache(env):
    bad = env/"cache"/TEXT; bad.parent.mkdir(parents=True); bad.write_text("not Shakespeare\n")
    with pytest.raises(ChecksumError) as e: data.load_tiny_shakespeare()
    msg = str(e.value)
    assert isinstance(e.value, ValueError)
    assert str(bad) in msg and registry.file_sha256("tiny_shakespeare", TEXT) in msg
    assert hashlib.sha256(b"not Shakespeare\n").hexdigest() in msg and "delete" in msg

def test_checksum_mismatch_in_mirror(env, monkeypatch):
    m = make_mirror(env, {TEXT: b"truncated"})
    monkeypatch.setenv("DEEPLAB_MIRROR", str(m))
    with pytest.raises(ChecksumError) as e: data.load_tiny_shakespeare()
    assert str(m/TEXT) in str(e.value) and "restore tiny_shakespeare/input.txt" in str(e.value)
    assert not (env/"cache"/TEXT).exists(), "a bad mirror file must not be copied into the cache"

def test_checksum_mismatch_mnist_in_keras_cache_is_not_silently_replaced(env):
    p = env/"keras"/"datasets"/"mnist.npz"; p.parent.mkdir(parents=True); p.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ChecksumError, match="mnist.npz"): data.load_mnist()

def test_truncated_archive_in_cache_fails_its_checksum(env):
    rel = "omniglot/all_runs.zip"
    p = env/"cache"/rel; p.parent.mkdir(parents=True); p.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(ChecksumError, match="all_runs.zip"): data.load_omniglot("runs")

def test_verify_reports_mismatch(env):
    bad = env/"cache"/TEXT; bad.parent.mkdir(parents=True); bad.write_text("x")
    rows = data.verify("tiny_shakespeare")
    assert rows[0][0] == "tiny_shakespeare" and rows[0][2].startswith("MISMATCH") and str(bad) in rows[0][2]
    assert data.verify("omniglot") == [("omniglot", f.relpath, "missing") for f in data.DATASETS["omniglot"].files]

# ---------------------------------------------------------------- archives
def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, payload in entries.items(): z.writestr(name, payload)
    return path

def _tar(path, entries):
    with tarfile.open(path, "w:gz") as t:
        for name, payload in entries.items():
            info = tarfile.TarInfo(name); info.size = len(payload); t.addfile(info, io.BytesIO(payload))
    return path

def _cut(src, dst, n):
    "Copy the first `n` bytes of `src` to `dst` (n <= 0: drop the last -n bytes; 0: write 'hello')"
    dst.write_bytes(src.read_bytes()[:n] if n else b"hello"); return dst

ARCHIVE_FAULTS = [
    ("zip-slip ../", lambda d: _zip(d/"a.zip", {"ok.txt": "1", "../../evil.txt": "x"}), "'../../evil.txt'"),
    ("zip absolute path", lambda d: _zip(d/"a.zip", {"/tmp/evil_abs.txt": "x"}), "'/tmp/evil_abs.txt'"),
    ("tar-slip ../", lambda d: _tar(d/"a.tar.gz", {"../evil.txt": b"x"}), "'../evil.txt'"),
    ("truncated zip", lambda d: _cut(_zip(d/"g.zip", {"a.txt": "y" * 9000}), d/"t.zip", -50), "truncated or corrupt"),
    ("truncated tar.gz", lambda d: _cut(_tar(d/"g.tgz", {"a.txt": os.urandom(9000)}), d/"t.tgz", 200), "truncated or corrupt"),
    ("not an archive", lambda d: _cut(_zip(d/"g.zip", {}), d/"n.zip", 0), "Delete it and fetch it again"),
]

@pytest.mark.parametrize("case,make,message", ARCHIVE_FAULTS, ids=[c[0] for c in ARCHIVE_FAULTS])
def test_archive_faults(tmp_path, case, make, message):
    src = tmp_path/"src"; src.mkdir()
    arc = make(src)
    with pytest.raises(ArchiveError) as e: data.safe_extract(arc, tmp_path/"out"/"here")
    assert message in str(e.value) and str(arc) in str(e.value)
    assert not list(tmp_path.rglob("evil*")), "nothing may be written for an unsafe archive"

def test_safe_extract_good_zip(tmp_path):
    out = data.safe_extract(_zip(tmp_path/"g.zip", {"d/a.txt": "1", "b.txt": "2"}), tmp_path/"out")
    assert sorted(p.relative_to(tmp_path/"out").as_posix() for p in out) == ["b.txt", "d/a.txt"]

# ---------------------------------------------------------------- no network, no mirror
@pytest.mark.parametrize("offline", ["1", ""], ids=["DEEPLAB_OFFLINE=1", "download fails"])
def test_mnist_falls_back_to_digits_with_notice(env, monkeypatch, capsys, offline):
    monkeypatch.setenv("DEEPLAB_OFFLINE", offline)
    t = time.time()
    d = data.load_mnist(n_train=100, n_test=20)
    assert time.time() - t < 30, "a failed download must not hang"
    out = capsys.readouterr().out
    assert "NOTICE" in out and "digits" in out and "DEEPLAB_MIRROR" in out
    assert "DEEPLAB_OFFLINE=1" in out if offline else "download" in out
    assert (d.dataset, d.source, d.X_train.shape, d.X_train.dtype) == ("digits", "embedded", (100, 28, 28), np.uint8)
    assert 200 < d.X_train.max() <= 255
    with pytest.raises(DataUnavailableError, match="DEEPLAB_MIRROR"): data.load_mnist(fallback=False)

def test_mnist_fallback_caps_subset_sizes_with_notice(env, capsys):
    d = data.load_mnist(n_train=5000, n_test=200)
    assert "n_train=5000 capped to 1437" in capsys.readouterr().out
    assert (len(d.X_train), len(d.X_test), d.dataset) == (1437, 200, "digits")

@pytest.mark.parametrize("offline", ["1", ""], ids=["DEEPLAB_OFFLINE=1", "download fails"])
def test_tiny_shakespeare_error_says_how_to_provide_it(env, monkeypatch, offline):
    monkeypatch.setenv("DEEPLAB_OFFLINE", offline)
    with pytest.raises(DataUnavailableError) as e: data.load_tiny_shakespeare(fallback=False)
    msg = str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    for need in ("DEEPLAB_MIRROR", TEXT, str(env/"cache"/TEXT), "go online"): assert need in msg, need
    assert ("DEEPLAB_OFFLINE=1" in msg) if offline else ("Download of https://raw.githubusercontent.com" in msg)

def test_tiny_shakespeare_falls_back_to_python_docs(env, capsys):
    d = data.load_tiny_shakespeare()
    out = capsys.readouterr().out
    assert (d.dataset, d.source) == ("python_docs", "embedded") and len(d.text) > 400_000
    assert "Tiny Shakespeare is not available" in out and "DEEPLAB_MIRROR" in out

def test_fsdd_falls_back_to_synthetic_tones(env, capsys):
    d = data.load_fsdd("test")
    assert "synthetic_tones" in capsys.readouterr().out
    assert (d.dataset, d.source, d.sample_rate, len(d.waveforms)) == ("synthetic_tones", "synthetic", 8000, 300)
    assert np.bincount(d.labels).tolist() == [30] * 10 and d.waveforms[0].dtype == np.float32

def test_keras_only_dataset_offline(env):
    if (registry.keras_home()/"datasets"/"imdb.npz").exists(): pytest.skip("IMDB is cached here")
    with pytest.raises(DataUnavailableError, match="needs the network"): data.load_imdb()

def test_download_fails_fast_and_leaves_nothing(tmp_path):
    t = time.time()
    with pytest.raises(DownloadError, match="example.invalid"): data.download("https://example.invalid/f.bin", tmp_path/"f.bin", timeout=5)
    assert time.time() - t < 30 and not list(tmp_path.iterdir())

def test_sandbox_restores_environment(monkeypatch):
    monkeypatch.setenv("DEEPLAB_DATA", "/somewhere"); monkeypatch.setenv("DEEPLAB_MIRROR", "/mirror")
    with data.sandbox(offline=True) as d:
        assert os.environ["DEEPLAB_DATA"] == str(d) and "DEEPLAB_MIRROR" not in os.environ
    assert (os.environ["DEEPLAB_DATA"], os.environ["DEEPLAB_MIRROR"]) == ("/somewhere", "/mirror")
    assert "DEEPLAB_OFFLINE" not in os.environ

# ---------------------------------------------------------------- the mirror path and the manifest
@needs_mirror
def test_mirror_then_cache(env, monkeypatch):
    monkeypatch.setenv("DEEPLAB_MIRROR", str(REAL_MIRROR))
    first, second = data.load_tiny_shakespeare(), data.load_tiny_shakespeare()
    assert (first.source, second.source, len(second.text)) == ("mirror", "cache", 1_115_394)
    m = data.load_mnist(n_train=10, n_test=10)
    assert (m.dataset, m.source) == ("mnist", "mirror") and (env/"keras"/"datasets"/"mnist.npz").exists()
    assert data.is_present("tiny_shakespeare") == "cache" and data.is_present("orl_faces") == "mirror"

def _manifest_rows(path) -> dict:
    "{dataset name: {row tuple, ...}} of a MANIFEST.tsv"
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        out = {}
        for r in csv.DictReader(f, delimiter="\t"): out.setdefault(r["name"], set()).add(tuple(r.values()))
    return out

@needs_mirror
def test_manifest_agrees_with_the_mirror():
    "Every dataset the package knows has exactly the mirror's files and hashes; datasets the mirror adds later are fine"
    ours, theirs = _manifest_rows(data.MANIFEST_PATH), _manifest_rows(REAL_MIRROR/"MANIFEST.tsv")
    fix = "regenerate deeplab/datasets_manifest.tsv from the mirror (see the eval: false cell in nbs/01a_data.registry.ipynb)"
    for name, rows in ours.items():
        assert name in theirs, f"the package's manifest has {name!r}, the mirror's has not: {fix}"
        assert rows == theirs[name], f"{name}: the package's manifest and the mirror's differ in {len(rows ^ theirs[name])} rows: {fix}"
    known = {n for n, i in data.DATASETS.items() if i.kind != "embedded"}
    assert known & set(theirs) <= set(ours), f"datasets in the registry and the mirror but missing from the package's manifest: {fix}"

# ---------------------------------------------------------------- CIFAR-10 (JPEG zips in the mirror)
no_official_cifar = pytest.mark.skipif((registry.keras_home()/"datasets"/"cifar-10-batches-py-target").exists(),
                                       reason="Keras's official CIFAR-10 is cached here, and load_cifar10 uses it first")

@needs_mirror
@no_official_cifar
def test_cifar10_from_the_mirror_then_the_cache(env, monkeypatch):
    monkeypatch.setenv("DEEPLAB_MIRROR", str(REAL_MIRROR))
    d = data.load_cifar10()
    assert (d.dataset, d.source, d.format) == ("cifar10", "mirror", "jpeg")
    assert (d.X_train.shape, d.X_test.shape, d.X_train.dtype) == ((50_000, 32, 32, 3), (10_000, 32, 32, 3), np.uint8)
    assert np.bincount(d.y_train).tolist() == [5000] * 10 and np.bincount(d.y_test).tolist() == [1000] * 10
    assert (env/"cache"/"cifar10"/"train.zip").exists() and data.is_present("cifar10") == "cache"
    s = data.load_cifar10(n_train=500, n_test=100, seed=3)          # from the parsed cache, seeded like load_mnist
    assert s.source == "cache" and s.X_train.shape == (500, 32, 32, 3)
    i = np.sort(np.random.default_rng(3).choice(50_000, 500, replace=False))
    assert (s.X_train == d.X_train[i]).all() and (s.y_train == d.y_train[i]).all()

@no_official_cifar
def test_cifar10_corrupted_zip_in_mirror(env, monkeypatch):
    good = registry.file_sha256("cifar10", "cifar10/train.zip")
    m = make_mirror(env, {"cifar10/train.zip": b"PK\x03\x04" + b"\0" * 1000, "cifar10/test.zip": b"PK\x05\x06" + b"\0" * 18})
    monkeypatch.setenv("DEEPLAB_MIRROR", str(m))
    with pytest.raises(ChecksumError) as e: data.load_cifar10()
    msg = str(e.value)
    assert str(m/"cifar10/train.zip") in msg and good in msg and "restore cifar10/train.zip" in msg
    assert not (env/"cache"/"cifar10").exists(), "a bad mirror file must not be copied into the cache"
    assert not (env/"cache"/"parsed_arrays").exists()

@no_official_cifar
def test_cifar10_falls_back_to_synthetic_shapes(env, capsys):
    d = data.load_cifar10(n_train=300, n_test=20_000 // 2)
    out = capsys.readouterr().out
    assert "CIFAR-10 is not available" in out and "synthetic_shapes" in out and "n_test=10000 capped to 2000" in out
    assert (d.dataset, d.source, d.X_train.shape, d.X_test.shape) == ("synthetic_shapes", "synthetic", (300, 32, 32, 3), (2000, 32, 32, 3))
    with pytest.raises(DataUnavailableError) as e: data.load_cifar10(fallback=False)
    for need in ("DEEPLAB_MIRROR", "cifar10/train.zip", "DEEPLAB_OFFLINE=1"): assert need in str(e.value), need

def test_registry_is_complete():
    need = {"mnist", "omniglot", "fsdd", "sentiment_labelled_sentences", "tiny_shakespeare", "tatoeba_hin_eng",
            "esol_delaney", "orl_faces", "bccd", "digits", "breast_cancer", "fashion_mnist", "cifar10", "imdb"}
    assert need <= set(data.list_datasets())
    for name, info in data.DATASETS.items():
        assert info.description and info.license and info.citation and info.urls and info.title, name
        assert info.fallback is None or info.fallback_about, name
        assert all(len(f.sha256) == 64 and f.bytes > 0 for f in info.files), name
        if info.kind == "files": assert info.files, name
    counts = {n: len(i.files) for n, i in data.DATASETS.items()}
    assert (counts["orl_faces"], counts["bccd"], counts["mnist"], counts["omniglot"], counts["cifar10"]) == (401, 734, 5, 3, 2)
    rows = data.dataset_table()
    assert {tuple(r) for r in rows} == {("name", "description", "size", "license", "present")}

def test_sentiment_falls_back_to_synthetic_reviews(env, capsys):
    d = data.load_sentiment()
    out = capsys.readouterr().out
    assert "Sentiment Labelled Sentences are not available" in out and "synthetic_reviews" in out and "DEEPLAB_MIRROR" in out
    assert (d.dataset, d.source, len(d.texts), d.class_names) == ("synthetic_reviews", "synthetic", 3000, ["negative", "positive"])
    assert np.bincount(d.labels).tolist() == [1500, 1500] and sorted(set(d.sources)) == ["amazon", "imdb", "yelp"]
    assert all(isinstance(t, str) and t for t in d.texts)
    yelp = data.load_sentiment("yelp")
    assert len(yelp.texts) == 1000 and set(yelp.sources) == {"yelp"} and yelp.texts == d.texts[2000:]
    with pytest.raises(DataUnavailableError) as e: data.load_sentiment(fallback=False)
    assert "DEEPLAB_MIRROR" in str(e.value)

def test_tatoeba_falls_back_to_synthetic_pairs(env, capsys):
    d = data.load_tatoeba_hin_eng()
    out = capsys.readouterr().out
    assert "Tatoeba English-Hindi pairs are not available" in out and "synthetic_pairs" in out and "DEEPLAB_MIRROR" in out
    assert (d.dataset, d.source, len(d.english), len(d.hindi), len(d.attribution)) == ("synthetic_pairs", "synthetic", 3000, 3000, 3000)
    assert len(set(d.english)) == 3000 and all(isinstance(t, str) and t for t in d.english + d.hindi)
    assert d.english[0] == "She will find the books." and d.hindi[0] == "vo kitoan om trovabo."   # object before the verb
    again = data.load_tatoeba_hin_eng()
    assert (again.english, again.hindi) == (d.english, d.hindi)                                     # deterministic
    assert data.make_synthetic_pairs(50, seed=3) == data.make_synthetic_pairs(50, seed=3) != data.make_synthetic_pairs(50, seed=4)
    with pytest.raises(DataUnavailableError) as e: data.load_tatoeba_hin_eng(fallback=False)
    assert "DEEPLAB_MIRROR" in str(e.value)
    with pytest.raises(ValueError) as e: data.make_synthetic_pairs(n_pairs=0)
    assert "n_pairs=0" in str(e.value)

def test_omniglot_falls_back_to_synthetic_glyphs(env, capsys):
    d = data.load_omniglot("background_small1")
    out = capsys.readouterr().out
    assert "Omniglot is not available" in out and "synthetic_glyphs" in out and "DEEPLAB_MIRROR" in out
    assert (d.dataset, d.source, d.images.shape, d.images.dtype.name) == ("synthetic_glyphs", "synthetic", (2720, 105, 105), "uint8")
    assert len(set(d.labels)) == 136 and len(set(d.alphabets)) == 5 and np.bincount(d.labels).tolist() == [20] * 136
    assert d.images.max() == 255 and (d.images > 0).mean() < 0.2                       # ink 255 on a 0 background, like the real split
    s2 = data.load_omniglot("background_small2")
    assert len(set(s2.labels)) == 156 and not set(s2.alphabets) & set(d.alphabets)
    runs = data.load_omniglot("runs")
    assert runs.train_images.shape == runs.test_images.shape == (20, 20, 105, 105)
    assert all(sorted(a) == list(range(20)) for a in runs.answers)                      # each test image answers one training class
    assert (data.load_omniglot("background_small1").images == d.images).all()           # deterministic
    with pytest.raises(DataUnavailableError) as e: data.load_omniglot(fallback=False)
    assert "DEEPLAB_MIRROR" in str(e.value)
    with pytest.raises(ValueError) as e: data.make_synthetic_glyphs(n_characters=0)
    assert "n_characters=0" in str(e.value)

def test_orl_faces_falls_back_to_synthetic_faces(env, capsys):
    d = data.load_orl_faces()
    out = capsys.readouterr().out
    assert "ORL faces are not available" in out and "synthetic_faces" in out and "DEEPLAB_MIRROR" in out
    assert (d.dataset, d.source, d.images.shape, d.images.dtype) == ("synthetic_faces", "synthetic", (400, 112, 92), np.uint8)
    assert np.bincount(d.y).tolist() == [10] * 40 and d.image_ids.tolist() == list(range(1, 11)) * 40
    assert not np.array_equal(d.images[0], d.images[1]), "photographs of one person must differ"
    with pytest.raises(DataUnavailableError) as e: data.load_orl_faces(fallback=False)
    assert "DEEPLAB_MIRROR" in str(e.value)
    with pytest.raises(ValueError) as e: data.make_synthetic_faces(n_per_subject=-1)
    assert "n_per_subject=-1" in str(e.value)

# ---------------------------------------------------------------- the package: lazy rooms, the loader registry
def test_importing_the_registry_imports_no_keras_tensorflow_or_sklearn():
    "`deeplab data list` must start fast: the front page and the registry import none of the heavy packages"
    import subprocess, sys
    code = ("import sys, deeplab.data; rows = deeplab.data.dataset_table(); "
            "print(len(rows), sorted(m for m in ('keras', 'tensorflow', 'sklearn', 'deeplab.data.loaders') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(len(data.DATASETS)), "[]"], r.stdout

def test_every_public_name_resolves_and_star_import_works():
    import importlib
    ns = {}; exec("from deeplab.data import *", ns)
    for room in ("registry", "store", "synthetic", "loaders"):
        mod = importlib.import_module(f"deeplab.data.{room}")
        for name in mod.__all__:
            assert getattr(data, name) is getattr(mod, name) and ns[name] is getattr(mod, name), (room, name)
            assert name in dir(data), name
    assert sorted(data.__all__) == sorted(n for r in ("registry", "store", "synthetic", "loaders")
                                          for n in importlib.import_module(f"deeplab.data.{r}").__all__)
    with pytest.raises(AttributeError, match="load_mnst"): data.load_mnst
    for old_name in ("draw_boxes", "plot_waveform", "is_offline"): assert not hasattr(data, old_name), old_name

def test_every_registry_entry_has_a_registered_loader():
    for name in data.list_datasets():
        fn = data.get_loader(name)
        assert callable(fn) and fn.__name__.startswith("load_") and getattr(data, fn.__name__) is fn, name
    assert data.get_loader("sentiment_labelled_sentences") is data.load_sentiment
    with pytest.raises(ValueError, match="Did you mean 'mnist'"): data.register_loader("mnsit")

def test_fetch_gets_the_loader_from_the_registry(env, monkeypatch):
    calls = []
    def fake_imdb(fallback:bool=True): calls.append(fallback)
    monkeypatch.setitem(registry._LOADERS, "imdb", fake_imdb)
    assert data.fetch("imdb") == data.keras_cache_dir()
    assert calls == [False], "fetch must ask the registered loader, without a fallback"

# ---------------------------------------------------------------- one notice per stand-in
def test_real_or_standin_prints_one_notice_from_the_registry(env, capsys):
    def real(): raise DataUnavailableError("gone")
    assert data.real_or_standin("fsdd", real, lambda: "tones", detail="a detail") == "tones"
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("[deeplab.data] NOTICE: FSDD is not available (gone)")
    assert "dataset='synthetic_tones', deeplab's synthetic tones" in lines[0] and "; a detail. To get FSDD: set DEEPLAB_MIRROR." in lines[0]
    with pytest.raises(DataUnavailableError, match="gone"): data.real_or_standin("fsdd", real, lambda: "tones", fallback=False)
    assert capsys.readouterr().out == ""
    def broken(): raise ChecksumError("bad")
    with pytest.raises(ChecksumError): data.real_or_standin("fsdd", broken, lambda: "tones")   # never papered over

@pytest.mark.parametrize("load", ["load_tiny_shakespeare", "load_mnist", "load_fsdd", "load_sentiment", "load_tatoeba_hin_eng"])
def test_each_fallback_prints_exactly_one_notice(env, capsys, load):
    getattr(data, load)()
    assert capsys.readouterr().out.count("NOTICE:") == 1

def test_settings_are_read_through_deeplab_settings(env, monkeypatch):
    "DEEPLAB_TIMEOUT and DEEPLAB_OFFLINE come from settings(): a bad value fails with an error naming the variable"
    monkeypatch.setenv("DEEPLAB_TIMEOUT", "soon"); monkeypatch.setenv("DEEPLAB_OFFLINE", "")
    with pytest.raises(ValueError, match="DEEPLAB_TIMEOUT"): data.download("https://example.invalid/f.bin", env/"f.bin")
    monkeypatch.setenv("DEEPLAB_TIMEOUT", "30"); monkeypatch.setenv("DEEPLAB_OFFLINE", "perhaps")
    with pytest.raises(ValueError, match="DEEPLAB_OFFLINE"): data.load_tiny_shakespeare()

# ---------------------------------------------------------------- downloads through pooch, from a server on this machine
@pytest.fixture
def server(tmp_path):
    "A throw-away HTTP server on 127.0.0.1 serving tmp_path/'site'; yields (folder, base URL)"
    import threading, functools, http.server
    site = tmp_path/"site"; site.mkdir()
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield site, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()

def test_download_with_the_right_hash(tmp_path, server):
    site, base = server
    (site/"a.txt").write_bytes(b"abc")
    p = data.download(f"{base}/a.txt", tmp_path/"cache"/"sub"/"a.txt", sha256=hashlib.sha256(b"abc").hexdigest(), progressbar=False)
    assert p == tmp_path/"cache"/"sub"/"a.txt" and p.read_bytes() == b"abc"
    assert [q.name for q in p.parent.iterdir()] == ["a.txt"], "no temporary file may be left"

def test_download_with_a_wrong_hash_is_refused_and_leaves_nothing(tmp_path, server):
    site, base = server
    (site/"a.txt").write_bytes(b"abc")
    want = "0" * 64
    with pytest.raises(ChecksumError) as e:
        data.download(f"{base}/a.txt", tmp_path/"cache"/"a.txt", sha256=want, progressbar=False)
    msg = str(e.value)
    for need in (f"{base}/a.txt", want, hashlib.sha256(b"abc").hexdigest(), "DEEPLAB_MIRROR", "was not used"): assert need in msg, need
    assert not list((tmp_path/"cache").iterdir())

def test_download_http_error_names_the_url(tmp_path, server):
    _, base = server
    with pytest.raises(DownloadError, match=f"{base}/missing.txt.*404"):
        data.download(f"{base}/missing.txt", tmp_path/"cache"/"m.txt", progressbar=False)
    assert not list((tmp_path/"cache").iterdir())

def test_resolve_downloads_a_missing_file_with_pooch(env, monkeypatch, server):
    "A dataset whose only file is missing from the cache and the mirror is downloaded from its URL and checked"
    import dataclasses
    site, base = server
    (site/"input.txt").write_bytes(b"O Romeo\n")
    f = registry.FileEntry("tiny/input.txt", 8, hashlib.sha256(b"O Romeo\n").hexdigest(), f"{base}/input.txt")
    monkeypatch.setitem(registry.DATASETS, "tiny", dataclasses.replace(registry.DATASETS["tiny_shakespeare"], name="tiny", files=(f,)))
    monkeypatch.setenv("DEEPLAB_OFFLINE", "")
    paths, where = data.resolve("tiny")
    assert where == "download" and paths["tiny/input.txt"].read_bytes() == b"O Romeo\n"
    assert data.resolve("tiny")[1] == "cache"
