"""No test touches the real home (issue 14): tests/conftest.py moves every folder that Poetry,
virtualenv and pip write to into a temporary directory before Poetry is imported.
tools/test.py also runs pytest with HOME set to an empty trap folder and fails if anything
appears in it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import poetry.locations
from poetry.config.config import Config
from poetry.config.file_config_source import FileConfigSource

from tests.conftest import ISOLATED_HOME, REAL_HOME


def inside(path: str | Path) -> bool:
    return Path(path).resolve().is_relative_to(ISOLATED_HOME.resolve())


def test_home_and_xdg_folders_are_isolated() -> None:
    assert str(Path.home()) != REAL_HOME
    assert inside(Path.home())
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "VIRTUALENV_OVERRIDE_APP_DATA", "PIP_CACHE_DIR"):
        assert inside(os.environ[name]), name


def test_poetrys_folders_are_isolated_in_process() -> None:
    assert inside(poetry.locations.CONFIG_DIR)
    assert inside(poetry.locations.data_dir())
    config = Config.create(reload=True)
    assert isinstance(config.config_source, FileConfigSource)
    assert inside(config.config_source.file.path)
    assert inside(config.get("cache-dir"))
    assert inside(config.virtualenvs_path)


PROBE = """
import json, platformdirs, poetry.locations
from poetry.config.config import Config
config = Config.create()
print(json.dumps([str(poetry.locations.CONFIG_DIR), str(poetry.locations.data_dir()), str(config.get("cache-dir")),
                  platformdirs.user_cache_dir("virtualenv"), platformdirs.user_data_dir("virtualenv"),
                  platformdirs.user_cache_dir("pip")]))
"""


def test_poetrys_folders_are_isolated_in_subprocesses() -> None:
    """A Poetry, virtualenv or pip that a test starts inherits the isolated folders."""
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    for path in json.loads(out.strip().splitlines()[-1]):
        assert inside(path), path
