"""Check that this environment holds exactly the declared floors of palmlite's dependencies.

Run by noxfile.py's ``lowest`` session with the Python of the venv that `uv pip install
--resolution lowest-direct ".[test]"` filled (and by its ``floors`` sessions for ".[video]").
For each direct dependency of palmlite, of its `test` extra and of the extras that one names
(``palmlite[...]``) whose environment marker holds here, the floor is the highest `>=` (or the
`==`) version over all its lines in pyproject.toml; the installed version must be that floor.
Anything higher means the floor cannot be installed on this Python (no wheel, or another
requirement needs more), so the declared floor would be a lie. Prints one line per dependency;
exits 1 on a mismatch.

``check_floors.py --extra EXTRA`` checks palmlite[EXTRA] instead of palmlite[test] (``video``
holds palmlite's own floors and PyAV's, lower than the ``test`` extra's).
``check_floors.py --floor NAME [--extra EXTRA]`` prints the floor of NAME for palmlite[EXTRA]
on this Python and exits.

Needs `packaging` (installed with onnxruntime and hatchling).
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ImportError:  # Python 3.10: hatchling brings tomli there
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def requirement_lines(project: dict, extras: list[str]) -> list[str]:
    """The dependencies plus those of ``extras``, following ``palmlite[...]`` references."""
    lines, todo, seen = list(project["dependencies"]), list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for line in project["optional-dependencies"][extra]:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
                todo.extend(requirement.extras)
            else:
                lines.append(line)
    return lines


def floors(lines: list[str]) -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        for spec in requirement.specifier:
            if spec.operator in (">=", "=="):
                found[name] = max(found.get(name, Version(spec.version)), Version(spec.version))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", metavar="NAME", help="print the floor of NAME and exit")
    parser.add_argument("--extra", default="test",
                        help="check (or with --floor: read) palmlite[EXTRA] (default test)")
    args = parser.parse_args()
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    if args.floor:
        print(floors(requirement_lines(project, [args.extra]))[canonicalize_name(args.floor)])
        return 0
    declared = floors(requirement_lines(project, [args.extra]))
    python = ".".join(map(str, sys.version_info[:3]))
    print(f"dependency floors of palmlite[{args.extra}] for Python {python} (pyproject.toml) "
          "and installed versions:")
    bad = 0
    for name, floor in sorted(declared.items()):
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            installed = None
        ok = installed == floor
        bad += not ok
        print(f"  {name:24} floor {floor!s:10} installed {installed!s:10} "
              f"{'ok' if ok else 'MISMATCH'}")
    if bad:
        print(f"{bad} floor(s) not installed as declared: raise them to what installs and works "
              "on this Python (see the comments in pyproject.toml)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
