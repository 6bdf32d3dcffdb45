"""Pydantic models of the lexicon files (see docs/lexicon.md); extra fields are errors."""
from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: characters and pairs that only a regular expression would use in a term
_REGEX_LIKE = re.compile(r"[\\^$|*{}\[\]]|\.[+?]|\)[+?]|\(\?")


def _clean_terms(values: list[str]) -> list[str]:
    for value in values:
        if not value.strip():
            raise ValueError("empty term: remove it or write the word")
        if _REGEX_LIKE.search(value):
            raise ValueError(f"term {value!r} looks like a regular expression; terms are matched as "
                             "plain words: write the words themselves (e.g. 'coblos nomor 2')")
    return values


Terms = Annotated[list[str], Field(default_factory=list)]


class ElectionInfo(_Model):
    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    level: str | None = None
    region: str | None = None
    campaign_start: datetime.date
    campaign_end: datetime.date
    voting_day: datetime.date



class CandidateEntry(_Model):
    number: int = Field(ge=1, le=99)
    pair: str = Field(min_length=1)
    names: list[str] = Field(min_length=1)
    pair_names: Terms
    aliases: Terms
    ambiguous: Terms
    acronyms: Terms
    slogans: Terms
    weak_slogans: Terms
    hashtags: Terms
    parties: Terms
    nicknames: Terms
    handles: Terms

    _check_terms = field_validator(
        "names", "pair_names", "aliases", "ambiguous", "acronyms", "slogans",
        "weak_slogans", "hashtags", "parties", "nicknames", "handles",
    )(_clean_terms)


class PartyEntry(_Model):
    id: str = Field(pattern=_ID_PATTERN)
    number: int | None = Field(default=None, ge=1, le=99)
    names: list[str] = Field(min_length=1)
    ambiguous: Terms
    hashtags: Terms

    _check_terms = field_validator("names", "ambiguous", "hashtags")(_clean_terms)


class ElectionFile(_Model):
    kind: Literal["election"]
    election: ElectionInfo
    candidate: list[CandidateEntry] = Field(default_factory=list)
    party: list[PartyEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_entries(self) -> "ElectionFile":
        if not self.candidate and not self.party:
            raise ValueError("no [[candidate]] and no [[party]]: add at least one")
        return self


class GesturePhrase(_Model):
    phrase: str = Field(min_length=1)
    number: int = Field(ge=1, le=99)
    strong: bool = False


class PhrasesFile(_Model):
    kind: Literal["phrases"]
    calls: Terms
    call_phrases: Terms
    support: Terms
    campaign_terms: Terms
    praise: Terms
    attack: Terms
    reporting: Terms
    gesture: list[GesturePhrase] = Field(default_factory=list)

    _check_terms = field_validator("calls", "call_phrases", "support", "campaign_terms", "praise", "attack",
                                   "reporting")(_clean_terms)


class NeutralContext(_Model):
    id: str = Field(pattern=_ID_PATTERN)
    reason: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)
    window: int = Field(default=0, ge=0, le=50)
    suppresses: list[Literal["call", "number", "campaign", "weak", "title"]] = Field(min_length=1)

    _check_terms = field_validator("phrases")(_clean_terms)


class NeutralFile(_Model):
    kind: Literal["neutral"]
    context: list[NeutralContext] = Field(min_length=1)


class SlangFile(_Model):
    kind: Literal["slang"]
    words: dict[str, str]

    @field_validator("words")
    @classmethod
    def _one_word_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key, target in value.items():
            if len(key.split()) != 1 or not target.strip():
                raise ValueError(f"'{key}': the left side must be one word and the right side not empty")
        return value


LexiconFile = Annotated[
    Union[ElectionFile, PhrasesFile, NeutralFile, SlangFile], Field(discriminator="kind")
]
FILE_ADAPTER: TypeAdapter[Any] = TypeAdapter(LexiconFile)
