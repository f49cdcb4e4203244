"""Every Python palmlite claims, tested from the wheel users install.

    nox -s tests       # the built wheel on every Python of the classifiers (README: Testing)
    nox -s build       # sdist + wheel into dist/, twine check, the wheel's files checked
    nox -s lint        # ruff, mypy --strict
    nox -s lowest      # palmlite[test]'s dependency floors on the oldest Python
    nox -s floors      # palmlite's own floors (with palmlite[video]) on every Python
    nox                # all of them

The Pythons are the ``Programming Language :: Python :: 3.X`` classifiers of pyproject.toml,
so the classifiers list exactly the Pythons tested. Each is looked for on PATH as
``python3.X``, then among pyenv's versions (``pyenv root``), so a machine with pyenv needs no
setup. Under ``CI`` a missing interpreter fails the run instead of skipping its session.

The ``tests`` sessions install the wheel of the ``build`` session (with the ``test`` extra) in
a fresh venv and run the suite from outside the source tree, so ``import palmlite`` is the
installed package (tests/conftest.py refuses anything else when ``PALMLITE_TEST_WHEEL`` is
set); the package's doctests run from the installed modules (``--pyargs palmlite``).
``FULL_SUITE_PYTHON`` runs the whole suite, the others the ``matrix`` subset (pytest marker;
``nox -s tests -- ARGS`` passes other pytest arguments instead, ``nox -s tests -- full`` runs
the whole suite everywhere).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
VERSION: str = PYPROJECT["project"]["version"]
#: From the classifiers: exactly the Pythons tested.
PYTHONS = nox.project.python_versions(PYPROJECT)
OLDEST, NEWEST = PYTHONS[0], PYTHONS[-1]
#: The one Python whose tests session runs the whole suite from the wheel (the README's test
#: command runs it on the source tree with the CI machine's python3, 3.11).
FULL_SUITE_PYTHON = NEWEST
#: Where build, lint and the interpreter-independent checks run.
TOOLS_PYTHON = "3.11"
#: Lint tools pinned: a new release may add checks to the selected rule sets.
LINT_TOOLS = ("ruff==0.17.6", "mypy==2.4.1")

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
# Only interpreters on this machine: never one downloaded behind the project's back.
nox.options.download_python = "never"
nox.options.sessions = ["build", "lint", "tests", "lowest", "floors"]
# uv installs without compiling bytecode, and with PYTHONDONTWRITEBYTECODE set (as on the CI
# machine) every process (Ray and Dask workers too) would compile its imports again: minutes.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

#: What the wheel must hold beside palmlite's modules (all of palmlite/*.py are checked too).
MUST_SHIP = (
    "palmlite/py.typed",
    "palmlite/data/sample.jpg",
    "palmlite/weights/MANIFEST.json",
    "palmlite/weights/palm_detection_lite.onnx",
    "palmlite/weights/palm_detection_full.onnx",
    "palmlite/weights/hand_landmark_lite.onnx",
    "palmlite/weights/hand_landmark_full.onnx",
    "{dist_info}/licenses/LICENSE",
    "{dist_info}/licenses/NOTICE",
    "{dist_info}/entry_points.txt",
    "{dist_info}/METADATA",
)
#: What the sdist must hold to rebuild that wheel and run the tests.
SDIST_MUST_HOLD = ("pyproject.toml", "README.md", "LICENSE", "NOTICE", "palmlite/__init__.py",
                   "weights/MANIFEST.json", "tests/conftest.py", "tests/data/goldens/static.json")


def _pyenv_root() -> Path | None:
    try:
        found = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
        return Path(found.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
        return Path(root) if Path(root).is_dir() else None


def _works(python: str | Path, version: str) -> bool:
    """Whether ``python`` runs and is Python ``version`` (a pyenv shim of another one is not)."""
    try:
        done = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == str(tuple(map(int,
                                                                         version.split("."))))


def _find_interpreters() -> None:
    """Make ``python3.X`` for every X in PYTHONS resolve on PATH: where it does not (absent,
    or a pyenv shim of another version), link pyenv's newest 3.X into .nox/pythons, put first
    on PATH. Nothing else of pyenv's bin folders (their python3, pip) gets on PATH."""
    links = ROOT / ".nox" / "pythons"
    root = _pyenv_root()
    for version in PYTHONS:
        name = f"python{version}"
        found = shutil.which(name)
        if found and Path(found).parent != links and _works(found, version):
            continue
        candidates = sorted(
            (path for path in (root / "versions").glob(f"{version}.[0-9]*/bin/{name}")
             if re.fullmatch(rf"{re.escape(version)}\.\d+", path.parents[1].name)),
            key=lambda path: int(path.parents[1].name.rsplit(".", 1)[1]),
        ) if root else []
        if candidates and _works(candidates[-1], version):
            links.mkdir(parents=True, exist_ok=True)
            link = links / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(candidates[-1])
    if links.is_dir():
        os.environ["PATH"] = f"{links}{os.pathsep}{os.environ.get('PATH', '')}"


_find_interpreters()


def _wheel() -> Path:
    """The wheel the build session made (of this version: an old one is never tested)."""
    wheels = sorted(DIST.glob(f"palmlite-{VERSION}-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one palmlite {VERSION} wheel in {DIST}, found "
                           f"{[w.name for w in wheels]}: run `nox -s build` first")
    return wheels[0]


def _check_wheel(session: nox.Session, wheel: Path) -> None:
    """The wheel holds every module and data file palmlite needs, its licences and metadata."""
    dist_info = f"palmlite-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "palmlite").rglob("*.py")
               if "__pycache__" not in path.parts}
    wanted = {name.format(dist_info=dist_info) for name in MUST_SHIP} | modules
    missing = sorted(wanted - names)
    strays = sorted(name for name in names
                    if not name.startswith(("palmlite/", f"{dist_info}/")))
    problems = [f"missing {name}" for name in missing] + [f"not palmlite's: {n}" for n in strays]
    if f"\nVersion: {VERSION}\n" not in metadata:
        problems.append(f"METADATA does not say Version: {VERSION}")
    if "palmlite = palmlite.cli:main" not in entry_points:
        problems.append("no palmlite console script in entry_points.txt")
    classifiers = {line.split(" :: ")[-1] for line in metadata.splitlines()
                   if line.startswith("Classifier: Programming Language :: Python :: 3.")}
    if classifiers != set(PYTHONS):
        problems.append(f"classifiers {sorted(classifiers)} are not the tested {PYTHONS}")
    if problems:
        session.error(f"{wheel.name}: " + "; ".join(problems))
    session.log(f"{wheel.name}: {len(names)} files, all {len(wanted)} required ones present")


def _check_sdist(session: nox.Session, sdist: Path) -> None:
    import tarfile

    prefix = f"palmlite-{VERSION}/"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(prefix) for name in archive.getnames()}
    missing = [name for name in SDIST_MUST_HOLD if name not in names]
    if missing:
        session.error(f"{sdist.name}: missing {missing}")
    session.log(f"{sdist.name}: {len(names)} entries, the required ones present")


@nox.session(python=TOOLS_PYTHON)
def build(session: nox.Session) -> None:
    """sdist and wheel (the wheel built from the sdist), `twine check`, their contents."""
    session.install("build[uv]", "twine")
    shutil.rmtree(DIST, ignore_errors=True)
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(DIST), str(ROOT))
    session.run("twine", "check", "--strict", *map(str, sorted(DIST.iterdir())))
    (sdist,) = DIST.glob("palmlite-*.tar.gz")
    _check_sdist(session, sdist)
    _check_wheel(session, _wheel())


@nox.session(python=TOOLS_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on the code and tests, mypy --strict (pyproject's [tool.mypy]) on palmlite."""
    session.install(*LINT_TOOLS, f"{ROOT}[plot]")
    session.run("ruff", "check", "palmlite", "tests", "benchmarks", "noxfile.py")
    session.run("mypy", "--strict", "palmlite")


_REPORT = """\
import importlib.metadata as metadata, sys
import palmlite
print("Python", sys.version.split()[0], "| palmlite", palmlite.__version__, "from",
      palmlite.__file__)
found = sorted((d.metadata["Name"].lower(), d.version) for d in metadata.distributions())
print("installed:", ", ".join(f"{name} {version}" for name, version in found))
"""


def _outside(session: nox.Session) -> Path:
    """Change to a new empty folder outside the source tree, so that neither pytest nor a
    ``python -m palmlite`` in a test can import ./palmlite. In the system's temporary folder:
    nox's own (``session.create_tmp()``) is relative and deep, too long a path for the Unix
    sockets Ray makes there."""
    folder = Path(tempfile.mkdtemp(prefix="palmlite-nox-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    session.chdir(folder)
    return folder


def _report(session: nox.Session) -> None:
    """Print the Python, where palmlite is imported from (outside the source tree, like the
    tests) and every installed version."""
    (_outside(session) / "report_versions.py").write_text(_REPORT, encoding="utf-8")
    session.run("python", "report_versions.py")


def _minor(session: nox.Session) -> tuple[int, int]:
    major, minor = str(session.python).split(".")[:2]
    return int(major), int(minor)


def _pytest(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    """pytest with pyproject's settings, run outside the source tree (:func:`_outside`)."""
    _outside(session)
    session.run("pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
                f"--ignore={ROOT / 'tests' / 'tools'}", *args, env=env)


@nox.session(python=PYTHONS, requires=["build"])
def tests(session: nox.Session) -> None:
    """The built wheel with the test extra; the suite (or the ``matrix`` subset) against it."""
    wheel = _wheel()
    session.install(f"palmlite[test] @ {wheel.as_uri()}")
    _report(session)
    full = session.python == FULL_SUITE_PYTHON
    args = list(session.posargs)
    if args == ["full"]:
        args, full = [], True
    select = args or ([] if full else ["-m", "matrix or smoke"])
    _pytest(session, *select, str(ROOT / "tests"), "--pyargs", "palmlite",
            env={"PALMLITE_TEST_WHEEL": VERSION})


def _requirement(extra: str, name: str) -> str:
    """The requirement line of ``name`` in pyproject's ``extra`` (its floor, unmarked)."""
    for line in PYPROJECT["project"]["optional-dependencies"][extra]:
        if re.match(rf"{re.escape(name)}\s*[<>=!~\[;]", line) and ";" not in line:
            return str(line)
    raise LookupError(f"no unmarked {name} line in the {extra} extra")


LOWEST_DIRECT = ("--resolution", "lowest-direct", "--only-binary", ":all:", "--no-binary",
                 "palmlite")


@nox.session(python=OLDEST)
def lowest(session: nox.Session) -> None:
    """Every dependency floor of palmlite[test] in pyproject.toml, for this Python, installs
    and works.

    ``uv pip install --resolution lowest-direct`` takes the lowest allowed version of each
    direct dependency (transitive ones stay newest), wheels only, palmlite built from the source
    and again with the build-system's hatchling floor. .ci/check_floors.py then checks that each
    direct dependency is at exactly its declared floor (a higher one means that floor cannot
    install here), and the smoke tests and the ``matrix`` subset run (so the engines', Parquet's
    and plotting's floors run too). The test extra raises some of palmlite's own floors (on
    3.10 dask needs numpy 1.24): the ``floors`` sessions test those. ``nox -s lowest -- ARGS``
    passes other pytest arguments; another Python: ``nox -s lowest -P 3.13``.
    """
    session.install(*LOWEST_DIRECT, f"{ROOT}[test]")
    # uv builds palmlite with the newest hatchling (build requirements are not lowered): build
    # it again with the build-system floor, which the test extra has installed.
    session.install("--no-build-isolation", "--no-deps", "--reinstall-package", "palmlite",
                    str(ROOT))
    session.run("python", str(ROOT / ".ci" / "check_floors.py"), "--extra", "test")
    _report(session)
    session.run("python", "-c", "import importlib.metadata as m; "
                "wheel = m.distribution('palmlite').read_text('WHEEL'); "
                "assert 'Generator: hatchling ' + m.version('hatchling') in wheel, wheel")
    _pytest(session, *(session.posargs or ["-m", "smoke or matrix"]), str(ROOT / "tests"),
            "--pyargs", "palmlite", env={"PALMLITE_TEST_WHEEL": VERSION})


@nox.session(python=PYTHONS)
def floors(session: nox.Session) -> None:
    """palmlite's own floors and PyAV's (palmlite[video]) on each Python: installed with
    ``--resolution lowest-direct`` like ``lowest``, checked by .ci/check_floors.py, then the
    smoke tests. These are the floors with a line per Python (numpy, onnxruntime, pillow, tqdm,
    av), and lie below the test extra's (PyAV 12 against the tests' 15)."""
    session.install(*LOWEST_DIRECT, f"{ROOT}[video]", _requirement("test", "pytest"))
    if _minor(session) < (3, 11):
        session.install("tomli")  # for check_floors.py (the test extra has it by hatchling)
    session.run("python", str(ROOT / ".ci" / "check_floors.py"), "--extra", "video")
    _report(session)
    # Only what palmlite[video] holds: the smoke tests (palmlite.data, imported by collecting
    # the package's doctests, would need pyarrow).
    _pytest(session, *session.posargs, str(ROOT / "tests" / "test_smoke.py"),
            env={"PALMLITE_TEST_WHEEL": VERSION})
