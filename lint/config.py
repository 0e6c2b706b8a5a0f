"""`[tool.tslint]` in the nearest `pyproject.toml`, with the command line on top."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pathspec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KNOWN_KEYS = {
    "select", "ignore", "extend-select", "extend-ignore", "exclude", "extend-exclude", "entry",
    "script", "trace", "per-file-ignores", "factories", "trace-examples", "unsafe-fixes", "cache-dir",
    "confirm-timeout", "confirm-testcases",
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
    #: `confirm-testcases`: the name of a module-level list of ParityBench-style cases, `(Cls,
    #: lambda: (args, kwargs), lambda: (forward args, kwargs), ...)`, that builds each listed module
    #: for `--confirm` when no factory is named ("" = none)
    confirm_testcases: str = ""
    cache_dir: Optional[Path] = None  # `cache-dir`, relative to the config's folder
    path: Optional[Path] = None  # the pyproject.toml it came from

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.tslint] table, walking up from `start`. A file that
    does not parse is skipped only when it never mentions `tool.tslint`: one that does was meant to
    be the config, and running on defaults instead would hide the typo (ConfigError, with its line)."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                if "tool.tslint" in text:
                    raise ConfigError(f"{candidate}: invalid TOML: {_located(exc, text)}") from None
                continue
            tool = data.get("tool")
            if isinstance(tool, dict) and "tslint" in tool:
                return candidate
    return None


def _located(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """tomllib's message, with a line number where it only says "at end of document"."""
    message = str(exc)
    return message.replace("(at end of document)", f"(at end of document, line {text.count(chr(10)) + 1})")


def _list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"[tool.tslint] {key} must be a list of strings, not {_shown(value)}")


def _shown(value: Any) -> str:
    """A wrong value as the message names it: its TOML type and (short) text."""
    kind = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}.get(type(value), "value")
    text = repr(value)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


def _codes(value: Any, key: str) -> list[str]:
    """A list of rule codes or prefixes, each one naming at least one rule: `select = ["TS9999"]`
    or a typo like `["XYZ"]` would otherwise select nothing and pass silently, as ruff refuses."""
    codes = _list(value, key)
    unknown = unknown_codes(codes)
    if unknown:
        raise ConfigError(f"[tool.tslint] {key}: {unknown_codes_message(unknown)}")
    return codes


def unknown_codes(codes: list[str]) -> list[str]:
    """The codes that are neither a rule's code nor a prefix of one (`TS`, `TS1`, `TS20`, `TS201`)."""
    from .rule import all_rules

    known = tuple(rule.code for rule in all_rules())
    return [c for c in codes if not c or not any(k.startswith(c) for k in known)]


def unknown_codes_message(unknown: list[str]) -> str:
    names = ", ".join(repr(c) for c in unknown)
    return f"unknown rule code or prefix {names} (`tslint rules` lists the codes)"


def exclude_patterns(value: Any, key: str) -> list[str]:
    """Exclude patterns, in .gitignore syntax: one pathspec cannot compile is named here, not met
    as a crash in the middle of discovery."""
    patterns = _list(value, key)
    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern]).match_file("x.py")
        except Exception as exc:  # noqa: BLE001 - pathspec raises several kinds (re.error, its own)
            raise ConfigError(f"{key}: invalid pattern {pattern!r} ({exc})") from None
    return patterns


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"[tool.tslint] {key} must be a table, not {_shown(value)}")
    return value


def _string_table(value: Any, key: str) -> dict[str, str]:
    """`factories` / `trace-examples`: "pkg.mod:Class" = "pkg.mod:function" (or `pkg.mod.function`)."""
    table = _table(value, key)
    for name, target in table.items():
        if not isinstance(target, str) or not target.strip(":."):
            raise ConfigError(f"[tool.tslint] {key}.{name!r} must be a string \"module:function\", not {_shown(target)}")
    return dict(table)


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):  # bool("false") is True: never guess
        raise ConfigError(f"[tool.tslint] {key} must be true or false, not {_shown(value)}")
    return value


def _seconds(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
        raise ConfigError(f"[tool.tslint] {key} must be a positive number of seconds, not {_shown(value)}")
    return float(value)


def load_config(path: Optional[Path]) -> Config:
    config = Config(path=path)
    if path is None:
        return config
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {_located(exc, text)}") from None
    tool = data.get("tool", {})
    table = tool.get("tslint", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.tslint must be a table, not {_shown(table)}")
    try:
        _read_table(table, config)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return config


def _read_table(table: dict[str, Any], config: Config) -> None:
    """Every key of `[tool.tslint]` into `config`, each value checked (a wrong type or value is a
    ConfigError naming the key, never a crash later in the run)."""
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"unknown [tool.tslint] keys: {', '.join(sorted(unknown))}")
    if "select" in table:
        config.select = _codes(table["select"], "select")
    config.select += _codes(table.get("extend-select", []), "extend-select")
    config.ignore = _codes(table.get("ignore", []), "ignore") + _codes(table.get("extend-ignore", []), "extend-ignore")
    config.exclude = exclude_patterns(table.get("exclude", []), "[tool.tslint] exclude") + exclude_patterns(table.get("extend-exclude", []), "[tool.tslint] extend-exclude")
    entry = table.get("entry", "project")
    if not isinstance(entry, str) or entry not in ENTRY_POLICIES:
        raise ConfigError(f"[tool.tslint] entry must be one of {', '.join(map(repr, ENTRY_POLICIES))}, not {_shown(entry)}")
    config.entry = entry
    config.script = _list(table.get("script", []), "script")
    config.trace = _list(table.get("trace", []), "trace")
    for pattern, codes in _table(table.get("per-file-ignores", {}), "per-file-ignores").items():
        config.per_file_ignores[pattern] = _codes(codes, f"per-file-ignores.{pattern!r}")
    config.factories = _string_table(table.get("factories", {}), "factories")
    config.trace_examples = _string_table(table.get("trace-examples", {}), "trace-examples")
    config.unsafe_fixes = _bool(table.get("unsafe-fixes", False), "unsafe-fixes")
    config.confirm_timeout = _seconds(table.get("confirm-timeout", 120.0), "confirm-timeout")
    testcases = table.get("confirm-testcases", "")
    if not isinstance(testcases, str) or (testcases and not testcases.isidentifier()):
        raise ConfigError(f"[tool.tslint] confirm-testcases must be the name of a module-level list, not {_shown(testcases)}")
    config.confirm_testcases = testcases
    if "cache-dir" in table:
        cache_dir = table["cache-dir"]
        if not isinstance(cache_dir, str) or not cache_dir:
            raise ConfigError(f"[tool.tslint] cache-dir must be a folder name, not {_shown(cache_dir)}")
        config.cache_dir = config.root / cache_dir


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
