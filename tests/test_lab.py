"""The kit's JupyterLab settings: written once, where `jupyter lab` reads them. No server."""

from __future__ import annotations

import json
from pathlib import Path

from jupyterlab.commands import get_app_dir

from lakehouse_kit import lab


def test_the_overrides_are_written_once(tmp_path):
    written = lab.quiet_jupyterlab(tmp_path)
    assert written == tmp_path / "overrides.d" / lab.FILE_NAME
    assert json.loads(written.read_text(encoding="utf-8")) == {
        "@jupyterlab/apputils-extension:notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        }
    }
    assert lab.quiet_jupyterlab(tmp_path) is None  # `lakehouse up` again: nothing to do


def test_the_default_folder_is_this_environments_jupyterlab_settings():
    from jupyterlab.labapp import LabApp

    assert lab.settings_dir() == Path(LabApp().app_settings_dir)
    assert lab.settings_dir().parent == Path(get_app_dir())
