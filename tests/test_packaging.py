"""The distribution as users get it: the wheel carries the templates, the starter
workspace and the licence, installs into a fresh environment and runs there; the sdist
leaves the tests and the benchmarks' data behind."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.support.audience import digest_env

REPO = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        (importlib.util.find_spec("build") is None or importlib.util.find_spec("hatchling")
         is None) and os.environ.get("CI") != "true",
        reason="needs build and hatchling (pip install -e '.[dev]' installs them)"),
]


def build(kind: str, out: Path) -> Path:
    """`python -m build --KIND` offline, with the backend installed here."""
    subprocess.run([sys.executable, "-m", "build", f"--{kind}", "--no-isolation", "--outdir",
                    str(out), str(REPO)], check=True, capture_output=True, timeout=300)
    [built] = out.glob("digest_newsletter-*.whl" if kind == "wheel" else "*.tar.gz")
    return built


def test_the_wheel_installs_in_a_fresh_venv_and_runs_the_sample(tmp_path: Path) -> None:
    wheel = build("wheel", tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read("digest_newsletter-0.1.0.dist-info/METADATA").decode()
    assert "digest_newsletter-0.1.0.dist-info/licenses/LICENSE" in names
    assert {"digest/_bundled/templates/email.mjml.j2", "digest/skeleton/gitignore",
            "digest/skeleton/editions/example.yaml"} <= names
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
    assert "Name: digest-newsletter\n" in metadata and "License-Expression: MIT\n" in metadata

    venv = tmp_path / "venv"
    # The dependencies come from this interpreter's site-packages: nothing is downloaded.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    python, digest = venv / "bin" / "python", venv / "bin" / "digest"
    subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--quiet", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = {k: v for k, v in digest_env().items() if k != "PYTHONPATH"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(digest), *args], cwd=tmp_path, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=300, check=False)
        assert result.returncode == 0, (args, result.stderr)
        return result

    where = subprocess.run([str(python), "-c", "import digest.resources as r; "
                            "print(r.__file__); print(r.default_templates_dir())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
                           timeout=60).stdout.splitlines()
    assert all(Path(line).is_relative_to(venv) for line in where), where  # not this checkout
    run("init", "letter")
    run("check", "-w", "letter")
    previews = run("preview", "-w", "letter").stdout.split()
    assert any(p.endswith("index.html") for p in previews)
    run("weekly", "-w", "letter")  # capture: the two sample subscribers, no question asked
    assert len(list((tmp_path / "letter" / "out" / "maildir" / "new").iterdir())) == 2


def test_the_sdist_leaves_tests_and_benchmark_data_out(tmp_path: Path) -> None:
    sdist = build("sdist", tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        names = [name.partition("/")[2] for name in archive.getnames()]
    assert "LICENSE" in names and "pyproject.toml" in names and "digest/cli/main.py" in names
    assert "templates/email.mjml.j2" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/data/", "out/"))]
