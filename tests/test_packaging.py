"""What a package index receives: the wheel holds the package with every data file it reads
(the JSON Schemas among them, found through importlib.resources) and the license; the metadata
has the SPDX license, classifiers and project URLs; the sdist holds the whole tracked source
tree, enough to run the tests; `twine check` passes; the README, shown on the index page, has
no relative link. Builds with `python -m build --no-isolation` (nothing fetched)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from cobalt_sync.schemas import NAMES, REPOSITORY_URL, file_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
STEM = f"cobalt_sync-{PROJECT['version']}"
JUNK = re.compile(r"(^|/)(__pycache__|\.cobalt-sandbox|node_modules|\.venv|\.git)(/|$)|\.pyc$")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "SetuptoolsDeprecationWarning" not in built.stdout + built.stderr
    return out


@pytest.fixture(scope="module")
def wheel_files(dist: Path) -> set[str]:
    with zipfile.ZipFile(dist / f"{STEM}-py3-none-any.whl") as wheel:
        return set(wheel.namelist())


@pytest.fixture(scope="module")
def sdist(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("sdist")
    with tarfile.open(dist / f"{STEM}.tar.gz") as archive:
        archive.extractall(where, filter="data")
    return where / STEM


def package_files() -> set[str]:
    """Every file of the package in this tree (what the wheel must hold)."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "cobalt_sync").rglob("*")
        if path.is_file() and not JUNK.search(path.as_posix())
    }


def test_the_wheel_holds_the_package_its_data_and_the_license(wheel_files: set[str]) -> None:
    info = f"{STEM}.dist-info"
    assert {f for f in wheel_files if not f.startswith(info)} == package_files()
    assert f"{info}/licenses/LICENSE" in wheel_files
    for name in NAMES:
        assert f"cobalt_sync/schemas/{file_name(name)}" in wheel_files
    assert "cobalt_sync/py.typed" in wheel_files


def test_the_metadata_carries_license_classifiers_and_urls(dist: Path) -> None:
    with zipfile.ZipFile(dist / f"{STEM}-py3-none-any.whl") as wheel:
        metadata = HeaderParser().parsestr(wheel.read(f"{STEM}.dist-info/METADATA").decode())
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get("License") is None  # the deprecated form is gone
    classifiers = set(metadata.get_all("Classifier") or [])
    for expected in [
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
        "Environment :: Console",
    ]:
        assert expected in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # SPDX field instead
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert all(url.startswith(REPOSITORY_URL) for url in urls.values()), urls


def test_the_installed_layout_reads_the_schemas_through_importlib_resources(
    dist: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(dist / f"{STEM}-py3-none-any.whl") as wheel:
        wheel.extractall(tmp_path)
    script = (
        "import cobalt_sync.schemas as s, sys; print(s.__file__);"
        "sys.stdout.write(s.packaged_text(sys.argv[1]))"
    )
    for name in NAMES:
        # -S: no site-packages, so neither the editable install nor the source tree is seen
        read = subprocess.run(
            [sys.executable, "-S", "-c", script, name],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(tmp_path)},
            cwd=tmp_path,
        )
        assert read.returncode == 0, read.stderr
        where, text = read.stdout.split("\n", 1)
        assert Path(where).is_relative_to(tmp_path)
        assert text == (ROOT / "schemas" / file_name(name)).read_text(encoding="utf-8")


def test_the_sdist_holds_every_tracked_file_and_no_junk(sdist: Path) -> None:
    shipped = {
        p.relative_to(sdist).as_posix() for p in sdist.rglob("*") if p.is_file() or p.is_symlink()
    }
    assert not [f for f in shipped if JUNK.search(f)]
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no list of tracked files to compare with")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    tracked = {f for f in listed.stdout.split("\0") if f and (ROOT / f).exists()}
    assert sorted(tracked - shipped) == []


def test_the_tests_run_from_the_sdist(sdist: Path) -> None:
    """A sample that reads examples/, schemas/, tests/manifests/, .ci/run and README.md, with
    the sdist's own package first on the path (pytest's `pythonpath = ["."]`)."""
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_schema.py",
            "tests/test_manifest_bad.py",
            "tests/test_readme.py",
            "tests/test_release.py",
        ],
        cwd=sdist,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert re.search(r"\d+ passed", ran.stdout)
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, '.'); import cobalt_sync as c; print(c.__file__)",
        ],
        cwd=sdist,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(imported.stdout.strip()).is_relative_to(sdist)


def test_twine_check_passes(dist: Path) -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_the_readme_has_no_relative_link_and_its_repository_links_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)", readme) + re.findall(r'src="([^"]+)"', readme)
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#", "mailto:"))]
    assert relative == [], "a package index cannot resolve these; use absolute GitHub URLs"
    ours = re.compile(
        rf"^(?:{re.escape(REPOSITORY_URL)}/blob/main/|"
        r"https://raw\.githubusercontent\.com/cobalt-sync/cobalt-sync/main/)(.+)$"
    )
    for target in targets:
        match = ours.match(target)
        if match:
            assert (ROOT / match[1]).exists(), target
