"""docker-compose.yml validates with Docker's own tool, publishes only on loopback, and the
image's freqtrade is the version this project is pinned to."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from harness.emulator import REPO


def compose_command() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False
    ).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_validates_and_binds_to_loopback() -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither 'docker compose' nor 'docker-compose' is installed (.ci/run installs"
                    " docker-compose)")
    result = subprocess.run([*command, "-f", str(REPO / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, check=False, cwd=REPO)
    assert result.returncode == 0, result.stderr
    rendered = result.stdout
    assert re.search(r"^\s+emulator:", rendered, re.M) and re.search(r"^\s+freqtrade:", rendered,
                                                                       re.M)
    assert "network_mode: service:emulator" in rendered
    published = re.findall(r"host_ip: (\S+)|(\d+\.\d+\.\d+\.\d+):\d+:\d+", rendered)
    assert published and all("127.0.0.1" in "".join(p) for p in published), rendered
    assert not re.search(r"password|jwt_secret", rendered, re.I)


def test_image_uses_the_pinned_freqtrade_version() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    pinned = re.search(r'"freqtrade(?:\[[^\]]*\])?>=([\d.]+),', pyproject).group(1)
    base = re.search(r"^FROM freqtradeorg/freqtrade:(\S+)", (REPO / "Dockerfile").read_text(), re.M)
    assert base is not None and base.group(1) == pinned
