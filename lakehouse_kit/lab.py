"""JupyterLab for learners: no news prompt and no update check on the first start.

JupyterLab asks "Would you like to get notified about official Jupyter news?" until its
`fetchNews` setting is answered. Server options cannot stop it (`LabApp.news_url = None` only
empties the feed; the prompt reads the setting alone) and `jupyter lab` reads no config from the
project folder. What it does read is every `<app dir>/settings/overrides.d/*.json` of the
environment it runs in, as new defaults; `pip install -e` installs no data files there, so the
kit writes its own file when a learner runs `lakehouse up` or `lakehouse run`. A learner's own
choice in JupyterLab's Settings Editor still wins over it.
"""

from __future__ import annotations

import json
from pathlib import Path

PLUGIN = "@jupyterlab/apputils-extension:notification"
OVERRIDES = {PLUGIN: {"fetchNews": "false", "checkForUpdates": False}}
FILE_NAME = "lakehouse-kit.json"


def settings_dir() -> Path:
    """The folder of settings overrides that `jupyter lab` in this environment reads (LabApp's
    `app_settings_dir`, without importing LabApp: a second at every `lakehouse up`)."""
    from jupyterlab.commands import get_app_dir

    return Path(get_app_dir()) / "settings"


def quiet_jupyterlab(folder: Path | None = None) -> Path | None:
    """Write the kit's overrides into `folder` (default: this environment's); the file written,
    or None when it was already there."""
    path = (folder or settings_dir()) / "overrides.d" / FILE_NAME
    text = json.dumps(OVERRIDES, indent=2) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
