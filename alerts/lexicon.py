"""Loading and validating the lexicon files in ``watchlists/lexicon/``.

Four kinds of TOML file, told apart by their top-level ``kind`` key:

* ``election``: one election (campaign period, candidates, parties) - one file per election;
* ``phrases``: campaign verbs, calls, support phrases, election terms, gesture phrases;
* ``neutral``: neutralising contexts (warnings, queues, contests, prayers, office titles);
* ``slang``: colloquial spelling -> standard word.

:func:`check_lexicon` reports every problem in every file (``pantau check``);
:func:`load_lexicon` returns an immutable :class:`Lexicon` or raises ``ProblemsError``.
See docs/lexicon.md for the format and the scoring model.
"""
from __future__ import annotations

import datetime
import logging
import pathlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable

from pydantic import ValidationError

from alerts.lexicon_schema import FILE_ADAPTER, ElectionFile, NeutralFile, PhrasesFile, SlangFile
from alerts.normalize import Vocabulary, fold_hashtag, fold_term
from alerts.problems import Problem, ProblemsError, key_path

log = logging.getLogger(__name__)

SUPPRESSIBLE = ("call", "number", "campaign", "weak", "title")


# ---------------------------------------------------------------- the loaded lexicon


@dataclass(frozen=True)
class Candidate:
    election: str
    number: int
    pair: str
    parties: tuple[str, ...]


@dataclass(frozen=True)
class Party:
    id: str
    election: str
    number: int | None
    name: str


@dataclass(frozen=True)
class Election:
    id: str
    name: str
    level: str | None
    region: str | None
    campaign_start: datetime.date
    campaign_end: datetime.date
    voting_day: datetime.date
    candidates: tuple[Candidate, ...]

    def in_campaign(self, day: datetime.date) -> bool:
        """True from the first campaign day up to and including voting day."""
        return self.campaign_start <= day <= self.voting_day


@dataclass(frozen=True)
class Term:
    """One matchable lexicon entry.

    ``kind`` is one of: name, pair, alias, ambiguous, acronym, slogan, weak_slogan,
    hashtag, handle, nickname, party, party_ambiguous, praise, attack, reporting, call, call_phrase, support, campaign, gesture, neutral.
    """

    text: str  # as written in the file
    key: str  # folded matching key
    kind: str
    election: str | None = None
    number: int | None = None  # candidate ballot number, party number or gesture number
    party: str | None = None
    context: str | None = None  # neutral context id
    strong: bool = False


@dataclass(frozen=True)
class NeutralRule:
    id: str
    reason: str
    window: int
    suppresses: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    """Everything the detector needs, validated and immutable."""

    elections: tuple[Election, ...]
    parties: tuple[Party, ...]
    terms: tuple[Term, ...]  # matched on normalised text
    hashtags: Mapping[str, Term]  # folded hashtag body -> term
    call_roots: frozenset[str]  # stems of campaign verbs
    neutral: Mapping[str, NeutralRule]
    vocabulary: Vocabulary
    paths: tuple[str, ...]
    handles: Mapping[str, Term] = field(default_factory=lambda: MappingProxyType({}))  # handle (no "@", lower) -> term
    # (election id, number) -> candidate, filled on first use: the detector asks for every match
    _candidates: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def election(self, election_id: str) -> Election:
        for election in self.elections:
            if election.id == election_id:
                return election
        raise KeyError(f"unknown election {election_id!r}; known: {[e.id for e in self.elections]}")

    def candidate(self, election_id: str, number: int) -> Candidate | None:
        found = self._candidates.get((election_id, number))
        if found is not None:
            return found
        for cand in self.election(election_id).candidates:
            if cand.number == number:
                self._candidates[(election_id, number)] = cand
                return cand
        return None


def _read(path: pathlib.Path, problems: list[Problem], data: bytes | None = None) -> Any | None:
    name = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8") if data is None else data.decode("utf-8"))
    except FileNotFoundError:
        problems.append(Problem(name, "(file)", "file not found"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, "(file)", f"cannot read the file: {exc}"))
        return None
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(name, "(toml)", f"not valid TOML: {exc}; check quotes, commas and brackets"))
        return None
    if raw.get("kind") not in ("election", "phrases", "neutral", "slang"):
        problems.append(Problem(
            name, "kind",
            f"kind is {raw.get('kind')!r}; write kind = \"election\", \"phrases\", \"neutral\" or \"slang\" at the top",
        ))
        return None
    try:
        model = FILE_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"][1:] if err["loc"] and err["loc"][0] == raw.get("kind") else err["loc"]
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field: remove it or check the spelling (see the comments at the top of the file)"
            elif err["type"] == "string_pattern_mismatch":
                msg = "use lower-case letters, digits and '-' only (e.g. pilpres-2029)"
            elif err["type"] == "missing":
                msg = "required field is missing"
            problems.append(Problem(name, key_path(loc, first_index=1) or "(file)",
                                        msg.removeprefix("Value error, ")))
        problems.extend(_raw_date_problems(name, raw))
        return None
    dates = _raw_date_problems(name, raw)
    problems.extend(dates)
    return None if dates else model


def _raw_date_problems(name: str, raw: dict[str, Any]) -> list[Problem]:
    """Date-order problems, reported even when other fields of the file are invalid."""
    info = raw.get("election")
    if raw.get("kind") != "election" or not isinstance(info, dict):
        return []
    start, end, vote = (info.get(k) for k in ("campaign_start", "campaign_end", "voting_day"))
    if not all(isinstance(d, datetime.date) for d in (start, end, vote)):
        return []
    out = []
    if end < start:
        out.append(Problem(name, "election.campaign_end", "campaign_end is before campaign_start: check the two dates"))
    if vote <= end:
        out.append(Problem(name, "election.voting_day", "voting_day must come after campaign_end"))
    return out


def _check_files(paths: Sequence[pathlib.Path], contents: Mapping[pathlib.Path, bytes] | None = None
                 ) -> tuple[list[Problem], list[tuple[str, Any]]]:
    problems: list[Problem] = []
    parsed: list[tuple[str, Any]] = []
    if not paths:
        problems.append(Problem("(lexicon)", "paths", "no lexicon files given; check [lexicon] paths"))
    for path in paths:
        model = _read(pathlib.Path(path), problems, (contents or {}).get(pathlib.Path(path)))
        if model is not None:
            parsed.append((str(path), model))
    problems.extend(_cross_check(parsed))
    return problems, parsed


def _cross_check(parsed: list[tuple[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    elections: dict[str, str] = {}
    party_ids: dict[str, str] = {}
    for name, model in parsed:
        if not isinstance(model, ElectionFile):
            continue
        eid = model.election.id
        if eid in elections:
            problems.append(Problem(name, "election.id", f"election id '{eid}' is also used in {elections[eid]}; ids must be unique"))
        elections.setdefault(eid, name)
        numbers: dict[int, int] = {}
        owner: dict[str, str] = {}
        for i, cand in enumerate(model.candidate, 1):
            if cand.number in numbers:
                problems.append(Problem(name, f"candidate[{i}].number", f"number {cand.number} is also used by candidate[{numbers[cand.number]}]"))
            numbers.setdefault(cand.number, i)
            for field in ("names", "pair_names", "aliases", "ambiguous", "acronyms", "slogans", "weak_slogans"):
                for term in getattr(cand, field):
                    key = fold_term(term)
                    if not key:
                        problems.append(Problem(name, f"candidate[{i}].{field}", f"'{term}' has no letters or digits"))
                    elif key in owner and owner[key] != f"candidate[{i}]":
                        problems.append(Problem(name, f"candidate[{i}].{field}", f"'{term}' is also listed for {owner[key]}; a term must point to one candidate"))
                    owner.setdefault(key, f"candidate[{i}]")
        for i, party in enumerate(model.party, 1):
            if party.id in party_ids:
                problems.append(Problem(name, f"party[{i}].id", f"party id '{party.id}' is also defined in {party_ids[party.id]}"))
            party_ids.setdefault(party.id, name)
    for name, model in parsed:
        if isinstance(model, ElectionFile):
            for i, cand in enumerate(model.candidate, 1):
                unknown = [pid for pid in cand.parties if pid not in party_ids]
                if unknown:
                    known = ", ".join(sorted(party_ids)) or "none (is the party file among the lexicon paths?)"
                    problems.append(Problem(name, f"candidate[{i}].parties",
                                            f"unknown party id(s) {', '.join(unknown)}; known ids: {known}"))
    if parsed and not elections:
        problems.append(Problem("(lexicon)", "election", "no election file among the lexicon files"))
    return problems


def check_lexicon(paths: Sequence[pathlib.Path]) -> list[Problem]:
    """Validate all lexicon files; return every problem found (empty list = fine)."""
    return _check_files(paths)[0]


def load_lexicon(paths: Sequence[pathlib.Path], contents: Mapping[pathlib.Path, bytes] | None = None) -> Lexicon:
    """Load and compile the lexicon; raise ``ProblemsError`` listing every problem.

    ``contents`` holds files' bytes already read (by path): those are parsed instead.
    """
    problems, parsed = _check_files(paths, contents)
    if problems:
        raise ProblemsError(problems)
    return _build(parsed)


#: candidate fields of an election file and the term kind each gives
_CANDIDATE_KINDS = (("names", "name"), ("pair_names", "pair"), ("aliases", "alias"), ("ambiguous", "ambiguous"),
                    ("acronyms", "acronym"), ("slogans", "slogan"), ("weak_slogans", "weak_slogan"),
                    ("nicknames", "nickname"))


def _add_election(model: ElectionFile, key: Callable[[str], str], terms: list[Term], hashtags: dict[str, Term],
                  handles: dict[str, Term], parties: list[Party]) -> Election:
    """The terms, handles, hashtags and parties of one election file; its :class:`Election`."""
    e = model.election
    cands = []
    for cand in model.candidate:
        cands.append(Candidate(e.id, cand.number, cand.pair, tuple(cand.parties)))
        for field, kind in _CANDIDATE_KINDS:
            for text in getattr(cand, field):
                terms.append(Term(text, key(text), kind, e.id, cand.number))
        for text in cand.handles:
            handles[text.lstrip("@").lower()] = Term("@" + text.lstrip("@"), text.lstrip("@").lower(), "handle",
                                                     e.id, cand.number)
        for text in cand.hashtags:
            hashtags[fold_hashtag(text)] = Term("#" + text.lstrip("#"), fold_hashtag(text), "hashtag", e.id, cand.number)
    for party in model.party:
        parties.append(Party(party.id, e.id, party.number, party.names[0]))
        for text in party.names:
            terms.append(Term(text, key(text), "party", e.id, party.number, party.id))
        for text in party.ambiguous:
            terms.append(Term(text, key(text), "party_ambiguous", e.id, party.number, party.id))
        for text in party.hashtags:
            hashtags[fold_hashtag(text)] = Term("#" + text.lstrip("#"), fold_hashtag(text), "party", e.id, party.number, party.id)
    return Election(e.id, e.name, e.level, e.region, e.campaign_start, e.campaign_end, e.voting_day, tuple(cands))


def _build(parsed: list[tuple[str, Any]]) -> Lexicon:
    slang: dict[str, str] = {}
    for _, model in parsed:
        if isinstance(model, SlangFile):
            slang.update({fold_term(k): fold_term(v) for k, v in model.words.items()})

    def key(text: str) -> str:
        return fold_term(text, slang)

    terms: list[Term] = []
    hashtags: dict[str, Term] = {}
    handles: dict[str, Term] = {}
    elections: list[Election] = []
    parties: list[Party] = []
    call_roots: set[str] = set()
    neutral: dict[str, NeutralRule] = {}
    for _, model in parsed:
        if isinstance(model, ElectionFile):
            elections.append(_add_election(model, key, terms, hashtags, handles, parties))
        elif isinstance(model, PhrasesFile):
            call_roots.update(key(c) for c in model.calls)
            for field, kind in (("calls", "call"), ("call_phrases", "call_phrase"), ("support", "support"),
                                ("campaign_terms", "campaign"), ("praise", "praise"), ("attack", "attack"),
                                ("reporting", "reporting")):
                terms.extend(Term(t, key(t), kind) for t in getattr(model, field))
            terms.extend(Term(g.phrase, key(g.phrase), "gesture", number=g.number, strong=g.strong)
                         for g in model.gesture)
        elif isinstance(model, NeutralFile):
            for ctx in model.context:
                neutral[ctx.id] = NeutralRule(ctx.id, ctx.reason, ctx.window, frozenset(ctx.suppresses))
                terms.extend(Term(p, key(p), "neutral", context=ctx.id) for p in ctx.phrases)
    # vocabulary for the evasion resolver: every word of every term
    words = {w for t in terms for w in t.key.split()}
    for t in hashtags.values():
        words.add(t.key)
    log.debug("lexicon: %d elections, %d terms, %d hashtags", len(elections), len(terms), len(hashtags))
    return Lexicon(
        elections=tuple(elections),
        parties=tuple(parties),
        terms=tuple(t for t in terms if t.key),
        hashtags=MappingProxyType(hashtags),
        handles=MappingProxyType(handles),
        call_roots=frozenset(call_roots),
        neutral=MappingProxyType(neutral),
        vocabulary=Vocabulary.build(frozenset(words), slang),
        paths=tuple(name for name, _ in parsed),
    )
