"""config.toml: loading, ``${VAR}`` secrets and validation with key paths.

Every section is a pydantic model with ``extra="forbid"``, so a typo in a key
is an error that names the key path (``schedule.intervall``) instead of a
silently ignored setting. Paths in the file are relative to the file itself.

Secrets are written as ``${NAME}``: the value comes from the environment
variable NAME, else from the file ``$CREDENTIALS_DIRECTORY/NAME`` (systemd
``LoadCredential=``). Every expanded value is registered for masking.
"""
from __future__ import annotations

import glob
import os
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import Field, ValidationError

from alerts.problems import Problem, key_path
from alerts.secrets import register_secret
from alerts.settings import AlertsSettings

from .errors import ConfigError
from .settings import (BrowserSettings, ClusterSettings, DetectorSettings, EvidenceSettings, GlobSettings,
                       HealthSettings, HttpSettings, OcrSettings, ReportSettings, RetentionSettings,
                       ScanSettings, ScheduleSettings, StorageSettings, WebSettings, _Section)

ENV_CONFIG = "PANTAU_CONFIG"
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")



class Config(_Section):
    storage: StorageSettings = Field(default_factory=StorageSettings)
    watchlists: GlobSettings = Field(default_factory=lambda: GlobSettings(
        paths=["watchlists/people/*.toml", "watchlists/people/*.csv", "watchlists/people/*.xlsx"]))
    lexicon: GlobSettings = Field(default_factory=lambda: GlobSettings(paths=["watchlists/lexicon/*.toml"]))
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    browser: BrowserSettings = Field(default_factory=BrowserSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    detector: DetectorSettings = Field(default_factory=DetectorSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    #: the config file and its folder (not keys of the file)
    path: Path = Field(default=Path("config.toml"), exclude=True)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def storage_dir(self) -> Path:
        return (self.base_dir / self.storage.dir).resolve()

    def watchlist_files(self) -> list[Path]:
        return expand_globs(self.base_dir, self.watchlists.paths)

    def lexicon_files(self) -> list[Path]:
        return expand_globs(self.base_dir, self.lexicon.paths)

    @property
    def run_concurrency(self) -> int:
        """Account runs at once: local fetches, or fetch tasks in flight when a broker is set."""
        return self.cluster.in_flight if self.cluster.broker else self.schedule.concurrency

    def interval_for(self, platform: str) -> float:
        return self.schedule.intervals.get(platform, self.schedule.interval).seconds


def expand_globs(base: Path, patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        full = pattern if os.path.isabs(pattern) else str(base / pattern)
        for hit in sorted(glob.glob(full, recursive=True)):
            p = Path(hit)
            if p.is_file() and p not in found:
                found.append(p)
    return found


def default_config_path() -> Path:
    return Path(os.environ.get(ENV_CONFIG) or "config.toml")


#: key paths whose values are URLs: a secret inside them is percent-encoded
_URL_KEYS = re.compile(r"alerts\.(urls\[\d+\]|channels\[\d+\]\.url)|cluster\.broker")


def _expand(value: Any, where: str, problems: list[Problem], file: str) -> Any:
    """Replace ``${NAME}`` references in every string of ``value``.

    In a URL (``alerts.urls``, ``alerts.channels[].url``, ``cluster.broker``) a secret that is
    part of the URL is percent-encoded, so ``p@ss/w:rd#1`` stays one password
    (apprise decodes it); a value that is nothing but ``${NAME}`` is the whole
    URL and is used as it is.
    """
    if isinstance(value, dict):
        return {k: _expand(v, f"{where}.{k}" if where else k, problems, file) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{where}[{i}]", problems, file) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        secret = os.environ.get(name)
        if secret is None:
            cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
            cred = Path(cred_dir, name) if cred_dir else None
            if cred is not None and cred.is_file():
                secret = cred.read_text(encoding="utf-8").strip()
        if secret is None:
            problems.append(Problem(file, where, f"${{{name}}} is not set: export the environment variable "
                                    f"{name} or provide the systemd credential {name} (LoadCredential=)"))
            return m.group(0)
        register_secret(secret)
        if in_url:
            return quote(secret, safe="")
        return secret

    in_url = bool(_URL_KEYS.fullmatch(where)) and not _REF.fullmatch(value.strip())
    return _REF.sub(repl, value)


def validation_problems(exc: ValidationError, file: str, prefix: str = "") -> list[Problem]:
    problems = []
    for err in exc.errors():
        where = key_path(err["loc"]) or "(top level)"
        if prefix:
            where = f"{prefix}.{where}" if where != "(top level)" else prefix
        if err["type"] == "extra_forbidden":
            msg = "unknown key (misspelt? see the commented config.toml for the known keys)"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] not in ("value_error", "missing") and "input" in err:
                msg += f" (got {err['input']!r})"
        problems.append(Problem(file, where, msg))
    return problems


def check_config(path: Path) -> tuple[Config | None, list[Problem]]:
    """Load ``path`` and return the config (None if invalid) and every problem."""
    path = Path(path)
    file = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [Problem(file, "(file)", "config file not found; pass --config PATH or set PANTAU_CONFIG")]
    except UnicodeDecodeError:
        return None, [Problem(file, "(file)", "not UTF-8 text; save the file as UTF-8")]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(file, "(syntax)", f"invalid TOML: {exc}")]
    problems: list[Problem] = []
    raw = _expand(raw, "", problems, file)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        return None, problems + validation_problems(exc, file)
    config.path = path.resolve()
    _anchor_paths(config)
    problems += storage_problems(config, file)
    return (None if problems else config), problems


def storage_problems(config: Config, file: str) -> list[Problem]:
    """``[storage] dir`` must be a folder, or creatable (no file on its way)."""
    target = config.storage_dir
    for path in (target, *target.parents):
        if not path.exists():
            continue
        if path.is_dir():
            return []
        what = "is a file" if path == target else f"cannot be created: {path} is a file"
        return [Problem(file, "storage.dir", f"{target} {what}, not a folder; point [storage] dir "
                                             f"at a folder (it is created if missing)")]
    return []


def _anchor_paths(config: Config) -> None:
    """Make relative paths inside sections relative to the config file."""
    templates = config.alerts.templates_dir
    if templates and not os.path.isabs(templates):
        config.alerts.templates_dir = str((config.base_dir / templates).resolve())


def fallback_config(path: Path) -> Config | None:
    """Only ``[storage] dir`` of an invalid config (defaults elsewhere), for ``pantau status``.

    ``status`` must still show what the daemon does when a reload of a broken
    config.toml was rejected. None when not even the storage folder is readable.
    """
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        folder = raw.get("storage", {}).get("dir", "data")
        config = Config(storage=StorageSettings(dir=folder))
    except (OSError, ValueError, AttributeError, ValidationError):
        return None
    config.path = Path(path).resolve()
    return config


def load_config(path: Path | None = None) -> Config:
    """Load and validate the config; raise ConfigError listing every problem."""
    config, problems = check_config(Path(path) if path else default_config_path())
    if problems or config is None:
        raise ConfigError(problems)
    return config


def config_from_dict(raw: dict[str, Any], path: Path) -> Config:
    """Build a config from a dict (demo and tests); ``path`` anchors relative paths."""
    problems: list[Problem] = []
    raw = _expand(raw, "", problems, str(path))
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(problems + validation_problems(exc, str(path))) from None
    if problems:
        raise ConfigError(problems)
    config.path = Path(path).resolve()
    _anchor_paths(config)
    return config

