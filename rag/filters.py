"""Which articles a search or an answer may use: published since / until a date, from an outlet.

`since` and `until` are ISO dates (YYYY-MM-DD), both inclusive; an article without a known publication
date (none found, or only its file's time) is left out when either is set. `source` is a domain
("baotintuc.vn" also matches "www.baotintuc.vn" and "en.baotintuc.vn"); an article without a link is left
out when it is set.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import ConfigError
from .types import Article


@dataclass(frozen=True)
class Filters:
    since: str | None = None
    until: str | None = None
    source: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.source)

    @property
    def empty(self) -> bool:
        """No day can match (since after until)."""
        return bool(self.since and self.until and self.since > self.until)

    def within(self, since: str, until: str) -> Filters:
        """These filters and the days `since`..`until` (a question's period) both."""
        return Filters(max(filter(None, (self.since, since))), min(filter(None, (self.until, until))), self.source)

    def matches(self, article: Article) -> bool:
        if self.since or self.until:
            if not article.published:  # a file's time is no publication date
                return False
            day = article.published[:10]
            if (self.since and day < self.since) or (self.until and day > self.until):
                return False
        if self.source:
            host = outlet(article.url)
            if not host or not (host == self.source or host.endswith("." + self.source)):
                return False
        return True


def outlet(url: str | None) -> str:
    """The outlet of a link: its host without "www." ("" without a link)."""
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")


def _day(value: str | None, flag: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ConfigError(f"{flag} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-11-01.") from None


def make_filters(since: str | None = None, until: str | None = None, source: str | None = None) -> Filters:
    """Validated filters; a bad value is a `ConfigError` naming the option and the format."""
    start, end = _day(since, "--since"), _day(until, "--until")
    if start and end and start > end:
        raise ConfigError(f"--since {start} is after --until {end}; swap them or drop one.")
    domain = None
    if source is not None and str(source).strip():
        raw = str(source).strip().lower()
        domain = (urlsplit(raw).hostname if "//" in raw else raw.split("/")[0]) or ""
        domain = domain.removeprefix("www.")
        if not domain or " " in domain or "." not in domain:
            raise ConfigError(f"--source {source!r} is not a domain; give the outlet's domain, e.g. baotintuc.vn.")
    return Filters(start, end, domain)


#: labels of a host that name no outlet: subdomains and second-level domains of country codes
_NOT_A_NAME = {"www", "m", "amp", "en", "de", "mobile", "co", "com", "org", "net", "gov", "ac"}
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _folded(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().translate(_FOLD)))


def outlet_name(host: str) -> str:
    """The name an outlet goes by in words, from its host: "radio-wemme.example" -> "radio wemme",
    "en.baotintuc.vn" -> "baotintuc", "www.sueddeutsche.de" -> "sueddeutsche" ("" when none)."""
    labels = [x for x in host.lower().split(".")[:-1] if x not in _NOT_A_NAME]
    return _folded(labels[-1].replace("-", " ")) if labels else ""


def named_outlet(question: str, hosts: dict[str, str]) -> tuple[str, str]:
    """The outlet a question names by its name ("Was meldet Radio Wemme …?", "according to the Northsea
    Herald", "im Nordboten"): (its host, the words that named it), of `hosts` (name -> host, `outlet_name`);
    ("", "") when it names none. Umlauts match their spelled-out form ("Süddeutsche" / sueddeutsche)."""
    asked = _folded(question)
    starts = {word[:4] for word in asked.split()}  # only names whose first word the question may hold
    for name, host in sorted(((n, h) for n, h in hosts.items() if n[:4] in starts), key=lambda t: -len(t[0])):
        m = re.search(rf"\b{re.escape(name)}(?:n|s|en|es)?\b", asked)
        if m:
            said = re.search(r"[\W_]+".join(_spelled(w) + r"\w*" for w in name.split()), question, re.IGNORECASE)
            return host, said.group(0) if said else ""
    return "", ""


def _spelled(word: str) -> str:
    """A pattern for a folded word as a question may spell it ("sueddeutsche": "Süddeutsche" too)."""
    out = re.escape(word)
    for folded, letter in (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("ss", "ß")):
        out = out.replace(folded, f"(?:{folded}|{letter})")
    return out
