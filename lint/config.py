"""`[tool.tslint]` in the nearest `pyproject.toml`, with the command line on top."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KNOWN_KEYS = {
    "select", "ignore", "extend-select", "extend-ignore", "exclude", "extend-exclude", "entry",
    "script", "trace", "per-file-ignores", "factories", "trace-examples", "unsafe-fixes", "cache-dir",
    "confirm-timeout",
}


#: the `entry` values (`lint/entrypoints.py` says what each means)
ENTRY_POLICIES = ("project", "modules", "explicit")


class ConfigError(Exception):
    pass


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["TS"])
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    entry: str = "project"
    script: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    factories: dict[str, str] = field(default_factory=dict)
    trace_examples: dict[str, str] = field(default_factory=dict)
    unsafe_fixes: bool = False
    confirm_timeout: float = 120.0
    path: Optional[Path] = None  # the pyproject.toml it came from

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.tslint] table, walking up from `start`."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "tslint" in data.get("tool", {}):
                return candidate
    return None


def _list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"[tool.tslint] {key} must be a list of strings")


def load_config(path: Optional[Path]) -> Config:
    config = Config(path=path)
    if path is None:
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    table = data.get("tool", {}).get("tslint", {})
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown [tool.tslint] keys: {', '.join(sorted(unknown))}")
    if "select" in table:
        config.select = _list(table["select"], "select")
    config.select += _list(table.get("extend-select", []), "extend-select")
    config.ignore = _list(table.get("ignore", []), "ignore") + _list(table.get("extend-ignore", []), "extend-ignore")
    config.exclude = _list(table.get("exclude", []), "exclude") + _list(table.get("extend-exclude", []), "extend-exclude")
    entry = table.get("entry", "project")
    if entry not in ENTRY_POLICIES:
        raise ConfigError(f"{path}: entry must be one of {', '.join(map(repr, ENTRY_POLICIES))}, not {entry!r}")
    config.entry = entry
    config.script = _list(table.get("script", []), "script")
    config.trace = _list(table.get("trace", []), "trace")
    for pattern, codes in table.get("per-file-ignores", {}).items():
        config.per_file_ignores[pattern] = _list(codes, f"per-file-ignores.{pattern}")
    config.factories = dict(table.get("factories", {}))
    config.trace_examples = dict(table.get("trace-examples", {}))
    config.unsafe_fixes = bool(table.get("unsafe-fixes", False))
    config.confirm_timeout = float(table.get("confirm-timeout", 120.0))
    return config


def config_for(paths: list[str], explicit: Optional[Path] = None) -> Config:
    """The config a run over `paths` uses: `explicit`, else the nearest [tool.tslint] above the paths'
    common folder, else above the working directory (shared by the CLI and the flake8 plugin, so the
    two never disagree)."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return load_config(explicit)
    existing = [Path(p).resolve() for p in paths if Path(p).exists()]
    start = Path(os.path.commonpath([str(p) for p in existing])) if existing else Path.cwd()
    return load_config(find_pyproject(start) or find_pyproject(Path.cwd()))
