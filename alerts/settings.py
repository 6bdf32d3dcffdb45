"""The ``[alerts]`` section of config.toml (validated with pydantic)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["none", "low", "medium", "high"]


class AlertsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: apprise URLs; every alert at or above min_severity goes to each
    urls: list[str] = Field(default_factory=list)
    min_severity: Severity = "medium"
