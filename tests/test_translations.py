"""The German translation: complete, compiled, and what the admin shows in German.

The catalog is read with a small parser of its own (the .po format is simple, and no
dependency is worth adding for it) and the .mo with the standard library's gettext, so
the tests need no GNU gettext on the machine.
"""

from __future__ import annotations

import ast
import datetime
import gettext
import io
import re
import struct
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.template import templatize

import trackstats
from tests.testapp.models import Customer
from trackstats.models import (
    PERIOD_CHOICES,
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
    TrackerRun,
)
from trackstats.periods import calendar_week, period_label

PACKAGE = Path(trackstats.__file__).parent
MESSAGES = PACKAGE / "locale" / "de" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


# ---------------------------------------------------------------- the catalog


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    #: msgstr, or msgstr[0], msgstr[1]... of a plural entry.
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first; obsolete ones dropped."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        flags: set[str] = set()
        parts: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                parts[current] += ast.literal_eval(line)
            else:
                current, _, literal = line.partition(" ")
                parts[current] = ast.literal_eval(literal)
        if not parts:
            continue
        plural_forms = sorted(key for key in parts if key.startswith("msgstr["))
        entries.append(
            Entry(
                msgid=parts["msgid"],
                msgctxt=parts.get("msgctxt"),
                msgid_plural=parts.get("msgid_plural"),
                msgstr=[parts[key] for key in plural_forms] or [parts["msgstr"]],
                flags=flags,
            )
        )
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(MESSAGES / "django.po")


def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid]


def test_the_catalog_is_german_with_two_plural_forms(entries):
    header = dict(
        line.split(": ", 1) for line in entries[0].msgstr[0].splitlines() if ": " in line
    )
    assert entries[0].msgid == ""
    assert header["Language"] == "de"
    assert header["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    untranslated = [e.msgid for e in messages(entries) if not all(e.msgstr)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert len(messages(entries)) > 100
    assert untranslated == []
    assert fuzzy == []


def test_plural_entries_have_both_german_forms(entries):
    plurals = [e for e in messages(entries) if e.msgid_plural is not None]
    assert plurals, "the N-day labels and the quick ranges are plural entries"
    assert [e.msgid for e in plurals if len(e.msgstr) != 2] == []


def test_translations_keep_the_placeholders(entries):
    """A placeholder lost or misspelt would raise KeyError, or drop a number, at run time."""
    wrong = []
    for entry in messages(entries):
        for source, translated in zip(
            [entry.msgid, entry.msgid_plural or entry.msgid], entry.msgstr, strict=False
        ):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                wrong.append((source, translated))
    assert wrong == []


# ---------------------------------------------------------------- the sources

# The keywords makemessages passes to xgettext for Python, with the index of the
# context argument (None: no context).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": None,
    "ngettext_lazy": None,
    "pgettext": 0,
    "pgettext_lazy": 0,
    "npgettext": 0,
    "npgettext_lazy": 0,
}


def marked_in_python(tree: ast.AST, where: str) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in KEYWORDS:
            continue
        context_index = KEYWORDS[name]
        first = 0 if context_index is None else 1
        args = node.args[: first + 1]
        if len(args) < first + 1 or not all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in args
        ):
            # makemessages cannot extract a computed message: it would stay English.
            raise AssertionError(f"{where}:{node.lineno}: {name}() of a non-literal")
        context = args[context_index].value if context_index is not None else None
        found.add((context, args[first].value))
    return found


def marked_in_template(text: str, where: str) -> set[tuple[str | None, str]]:
    """The messages of a template, read from the Python-like text makemessages feeds
    to xgettext (Django's own ``templatize``)."""
    source = templatize(text)
    found = set()
    for match in re.finditer(r"\b(?:n|p|np)?gettext\(", source):
        # The call ends at the first ")" after which it parses as Python.
        end = match.end()
        while True:
            end = source.index(")", end) + 1
            try:
                call = ast.parse(source[match.start() : end], mode="eval").body
            except SyntaxError:
                continue
            break
        found |= marked_in_python(ast.Expression(call), where)
    return found


def marked_in_sources() -> set[tuple[str | None, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        found |= marked_in_python(ast.parse(path.read_text(encoding="utf-8")), str(path))
    for path in sorted((PACKAGE / "templates").rglob("*.html")):
        found |= marked_in_template(path.read_text(encoding="utf-8"), str(path))
    return found


def test_the_catalog_holds_exactly_the_messages_marked_in_the_sources(entries):
    """A new string marked but not in the .po would show in English; an entry no source
    marks any more is dead weight. Either way: run makemessages (docs/admin.md)."""
    in_sources = marked_in_sources()
    in_catalog = {entry.key for entry in messages(entries)}
    assert sorted(in_sources - in_catalog, key=str) == []
    assert sorted(in_catalog - in_sources, key=str) == []


def test_the_source_scan_finds_python_and_template_messages():
    """The scan above compares something: it reads both kinds of source."""
    found = {msgid for _, msgid in marked_in_sources()}
    assert {"statistic by date", "Calendar week (from Sunday)", "Download CSV"} <= found
    # A blocktranslate's variables become placeholders, as makemessages writes them.
    assert "%(ago)s ago" in found


# ---------------------------------------------------------------- the .mo


def test_the_compiled_catalog_matches_the_po(entries):
    """The committed .mo is what the .po says: compiled after the last edit."""
    data = (MESSAGES / "django.mo").read_bytes()
    compiled = gettext.GNUTranslations(io.BytesIO(data))
    # GNU .mo layout: magic, revision, then the number of strings (the header included).
    magic, _, count = struct.unpack("<3I", data[:12])
    assert magic == 0x950412DE
    assert count == len(entries)
    assert compiled.info()["language"] == "de"
    for entry in messages(entries):
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                assert compiled.gettext(entry.msgid) == entry.msgstr[0]
            else:
                assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0]
        else:
            for n, expected in ((1, entry.msgstr[0]), (2, entry.msgstr[1])):
                if entry.msgctxt is None:
                    translated = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                else:
                    translated = compiled.npgettext(
                        entry.msgctxt, entry.msgid, entry.msgid_plural, n
                    )
                assert translated == expected


# ---------------------------------------------------------------- models, periods


def trackstats_fields():
    for model in apps.get_app_config("trackstats").get_models():
        for model_field in model._meta.get_fields():
            if model_field.concrete and not model_field.primary_key:
                yield model, model_field


def test_every_model_and_field_name_has_a_german_translation(entries):
    german = {entry.msgid: entry.msgstr[0] for entry in messages(entries)}
    names = [apps.get_app_config("trackstats").verbose_name]
    for model in apps.get_app_config("trackstats").get_models():
        names += [model._meta.verbose_name, model._meta.verbose_name_plural]
    names += [model_field.verbose_name for _, model_field in trackstats_fields()]
    with translation.override("en"):
        english = [str(name) for name in names]
    with translation.override("de"):
        shown = [str(name) for name in names]
    assert len(names) > 40
    assert [name for name in english if name not in german] == []
    assert shown == [german[name] for name in english]


def test_model_names_in_german():
    with translation.override("de"):
        assert str(apps.get_app_config("trackstats").verbose_name) == "Statistiken"
        assert str(Domain._meta.verbose_name_plural) == "Domänen"
        assert str(Metric._meta.verbose_name) == "Metrik"
        assert str(StatisticByDate._meta.verbose_name_plural) == "Statistiken nach Datum"
        assert str(StatisticByDateAndObject._meta.get_field("object_type").verbose_name) == (
            "Objekttyp"
        )
        assert str(TrackerRun._meta.verbose_name_plural) == "Tracker-Läufe"
        assert [str(label) for _, label in TrackerRun.Status.choices] == [
            "erfolgreich",
            "fehlgeschlagen",
        ]


def test_period_labels_in_german():
    with translation.override("de"):
        assert [str(label) for _, label in PERIOD_CHOICES] == [
            "Tag",
            "7 Tage, gleitend",
            "28 Tage, gleitend",
            "30 Tage, gleitend",
            "Gesamtzeitraum",
            "Kalenderwoche",
            "Kalendermonat",
            "Quartal",
            "Jahr",
        ]
        assert period_label(Period.QUARTER) == "Quartal"
        assert period_label(10 * 86400) == "10 Tage, gleitend"
        assert period_label(calendar_week(6)) == "Kalenderwoche (ab Sonntag)"
        assert period_label(calendar_week(2)) == "Kalenderwoche (ab Mittwoch)"
    # The same labels in English where no translation is active.
    with translation.override("en"):
        assert period_label(10 * 86400) == "10 days, rolling"
        assert period_label(calendar_week(6)) == "Calendar week (from Sunday)"


def test_every_calendar_week_has_its_own_german_label():
    with translation.override("de"):
        labels = [period_label(calendar_week(weekday)) for weekday in range(7)]
    assert labels[0] == "Kalenderwoche"
    assert len(set(labels)) == 7
    assert all(label.startswith("Kalenderwoche (ab ") for label in labels[1:])


# ---------------------------------------------------------------- admin pages


class VisibleText(HTMLParser):
    """The text a reader of the page sees or hears: text nodes outside scripts and
    styles, and the attributes browsers show (titles, alternative texts, button
    labels, series names)."""

    SHOWN_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "data-label"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attributes = dict(attrs)
        for name, value in attributes.items():
            if value and name in self.SHOWN_ATTRIBUTES:
                self.texts.append(value.strip())
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append((attributes.get("value") or "").strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(response) -> list[str]:
    parser = VisibleText()
    parser.feed(response.content.decode())
    return [text for text in parser.texts if text]


def english_left(texts: list[str], entries: list[Entry]) -> list[str]:
    """The texts of a page that are one of this app's English messages.

    A message with placeholders matches any text it could produce, and a message also
    matches with its first letter capitalized (column headers, labels) and followed by
    a colon (form labels). One whose German is the same word (Name, Status) cannot tell
    the languages apart and is skipped. Case matters otherwise: the run log shows
    period names (``day``, ``10_days``), codes as tracker names end, not words.
    """
    patterns = []
    for entry in messages(entries):
        for source, translated in zip(
            [entry.msgid, entry.msgid_plural or entry.msgid], entry.msgstr, strict=False
        ):
            if source.casefold() == translated.casefold():
                continue
            for variant in {source, source[:1].upper() + source[1:]}:
                pieces = PLACEHOLDER.split(variant)
                # split() leaves the literal text at even positions, the names at odd ones.
                regex = ".+".join(re.escape(piece) for piece in pieces[::2])
                patterns.append(re.compile(f"{regex}:?"))
    return sorted({text for text in texts for p in patterns if p.fullmatch(text)})


JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def german(admin_client, settings):
    """The admin client of a German-speaking user: the browser asks for German and
    LocaleMiddleware (which the test settings leave out) picks it."""
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:1],
        "django.middleware.locale.LocaleMiddleware",
        *settings.MIDDLEWARE[1:],
    ]

    def get(url, **params):
        response = admin_client.get(url, params, headers={"accept-language": "de"})
        assert response.status_code == 200
        assert response["Content-Language"] == "de"
        return response

    yield get
    # The middleware activates German in this thread; later tests expect the default.
    translation.deactivate()


@pytest.fixture
def statistics(db):
    domain = Domain.objects.create(ref="shop", name="Shop")
    metric = Metric.objects.create(domain=domain, ref="orders", name="Orders")
    for offset, value in enumerate([5, 7, None, 20, 3, 4, 9, 1]):
        date = JAN + datetime.timedelta(days=offset)
        StatisticByDate.objects.record(metric, value, Period.DAY, date=date)
        StatisticByDate.objects.record(metric, 40 + offset, Period.WEEK, date=date)
        StatisticByDate.objects.record(metric, offset, 10 * 86400, date=date)
    StatisticByDate.objects.record(metric, 2, calendar_week(6), date=datetime.date(2026, 1, 4))
    StatisticByDate.objects.record(metric, 2, Period.QUARTER, date=JAN)
    # A second domain and metric, so that the list shows their filters (it hides a
    # filter of one choice).
    other = Metric.objects.create(domain=Domain.objects.create(ref="blog"), ref="comments")
    StatisticByDate.objects.record(other, 1, Period.DAY, date=JAN)
    ada = Customer.objects.create(name="Ada", joined=timezone.now())
    StatisticByDateAndObject.objects.record(metric, 3, Period.DAY, date=JAN, object=ada)
    started = timezone.now()
    TrackerRun.objects.create(
        name="orders_by_day", statistic_model="trackstats.StatisticByDate", metric=metric,
        period=Period.DAY, started_at=started, finished_at=started, seconds=0.5,
        start_date=JAN, end_date=JAN, rows_written=8, time_zone="UTC",
        status=TrackerRun.Status.SUCCESS,
    )  # fmt: skip
    TrackerRun.objects.create(
        name="orders_by_day", statistic_model="trackstats.StatisticByDate", metric=metric,
        period=Period.DAY, started_at=started, finished_at=started, seconds=0.1,
        time_zone="UTC", status=TrackerRun.Status.FAILED, error="ValueError: broken",
    )  # fmt: skip
    return metric


def test_the_english_check_finds_english(entries):
    """english_left() is the oracle of the page tests: it must see English text."""
    texts = ["Statistics by date", "10 days, rolling", "Chart", "Metric:", "Name", "day", "Tage"]
    assert english_left(texts, entries) == [
        "10 days, rolling",
        "Chart",
        "Metric:",
        "Statistics by date",
    ]


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("admin:index", {}),
        ("admin:app_list", {"app_label": "trackstats"}),
        ("admin:trackstats_domain_changelist", {}),
        ("admin:trackstats_metric_changelist", {}),
        ("admin:trackstats_statisticbydate_changelist", {}),
        ("admin:trackstats_statisticbydateandobject_changelist", {}),
        ("admin:trackstats_trackerrun_changelist", {}),
    ],
)
def test_admin_lists_are_german(german, statistics, entries, url_name, query):
    kwargs = query if url_name == "admin:app_list" else {}
    texts = visible_texts(german(reverse(url_name, kwargs=kwargs)))
    assert english_left(texts, entries) == []
    assert "Statistiken" in texts


def test_statistic_list_headers_filters_and_periods_are_german(german, statistics, entries):
    url = reverse("admin:trackstats_statisticbydate_changelist")
    texts = visible_texts(german(url))
    assert english_left(texts, entries) == []
    # Column headers, filter titles, period labels and the chart link.
    assert {"Datum", "Metrik", "Zeitraum", "Wert", "Diagramm"} <= set(texts)
    assert {"Nach Domäne", "Nach Metrik", "Nach Zeitraum"} <= set(texts)
    assert {"Tag", "7 Tage, gleitend", "10 Tage, gleitend", "Quartal"} <= set(texts)
    assert "Kalenderwoche (ab Sonntag)" in texts
    # Filtered by one metric, the list says when it was last tracked.
    texts = visible_texts(german(url, **{"metric__id__exact": statistics.pk}))
    assert english_left(texts, entries) == []
    assert {"Zuletzt erfasst:", "der letzte Lauf ist fehlgeschlagen:", "Laufprotokoll"} <= set(
        texts
    )


def test_run_log_is_german(german, statistics, entries):
    texts = visible_texts(german(reverse("admin:trackstats_trackerrun_changelist")))
    assert english_left(texts, entries) == []
    assert {"erfolgreich", "fehlgeschlagen", "Dauer", "Geschriebene Zeilen"} <= set(texts)
    run = TrackerRun.objects.get(status=TrackerRun.Status.FAILED)
    texts = visible_texts(german(reverse("admin:trackstats_trackerrun_change", args=[run.pk])))
    assert english_left(texts, entries) == []
    assert {"Lauf", "Fehler", "Objekttyp:", "Objekt-ID:", "Status:"} <= set(texts)
