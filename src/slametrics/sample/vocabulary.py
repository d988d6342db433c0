"""Word lists and distributions of the sample: statuses, ticket kinds, organizations, people."""

from __future__ import annotations

import numpy as np

from slametrics.schema import ACTORS, STATUS_CLASSES


def words(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of `text`, in order (a list the formatter leaves packed)."""
    return tuple(text.split())


# --- statuses, events, actors (as small integer codes inside the generator) ---------------------

# the generator never cancels a ticket
STATUSES = tuple(c for c in STATUS_CLASSES if c != "canceled")
STATUS_CODE = {name: i for i, name in enumerate(STATUSES)}
ACTOR_CODE = {name: i for i, name in enumerate(ACTORS)}
EVENTS = (
    "created",
    "status",
    "agent_reply",
    "customer_reply",
    "note",
    "assigned",
    "resolved",
    "reopened",
    "closed",
)
EVENT_CODE = {name: i for i, name in enumerate(EVENTS)}
IS_STATUS_EVENT = np.array(
    [e in ("created", "status", "resolved", "reopened", "closed") for e in EVENTS]
)

# --- ticket attributes ----------------------------------------------------------------------------

PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("incident", "question", "task", "feature request")
TYPE_P = np.array([0.45, 0.30, 0.18, 0.07])
# Raw type -> kind, as the default policy maps them (slametrics.policy.DEFAULT_KINDS).
KIND_OF_TYPE = {
    "incident": "incident",
    "question": "consultation",
    "task": "change",
    "feature request": "improvement",
}
# P(priority | type); overall about 3% urgent, 15% high, 60% normal, 22% low.
PRIORITY_GIVEN_TYPE = np.array(
    [
        [0.060, 0.250, 0.570, 0.120],
        [0.000, 0.080, 0.650, 0.270],
        [0.005, 0.080, 0.620, 0.295],
        [0.000, 0.030, 0.450, 0.520],
    ]
)
CHANNELS = ("email", "web", "phone", "chat")
# P(channel | not urgent), P(channel | urgent)
CHANNEL_GIVEN_URGENT = np.array([[0.45, 0.30, 0.14, 0.11], [0.20, 0.15, 0.50, 0.15]])

GROUPS = ("Service Desk", "Infrastructure", "Business Apps", "Field Support")
BASE_AGENTS_PER_GROUP = (5, 4, 4, 3)
# category: (group, services, objects used in subjects)
CATEGORIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "email": (
        "Service Desk",
        ("Exchange Online", "Corporate mail"),
        ("Outlook", "mailbox", "shared mailbox"),
    ),
    "access": (
        "Service Desk",
        ("Active Directory", "Access management"),
        ("account", "password", "network folder"),
    ),
    "vpn": ("Infrastructure", ("Remote access VPN",), ("VPN", "remote access", "VPN token")),
    "network": (
        "Infrastructure",
        ("Office network", "Wi-Fi"),
        ("Wi-Fi", "office network", "internet access"),
    ),
    "telephony": (
        "Infrastructure",
        ("IP telephony",),
        ("desk phone", "call center line", "voicemail"),
    ),
    "backup": ("Infrastructure", ("Backup",), ("file server backup", "backup job")),
    "erp": ("Business Apps", ("1C:ERP", "SAP ERP"), ("ERP", "ERP reports", "warehouse module")),
    "accounting": (
        "Business Apps",
        ("1C:Accounting",),
        ("1C:Accounting", "invoice export", "VAT report"),
    ),
    "crm": ("Business Apps", ("CRM",), ("CRM", "customer card", "sales pipeline")),
    "website": (
        "Business Apps",
        ("Corporate website",),
        ("website", "online store", "contact form"),
    ),
    "printing": ("Field Support", ("Print service",), ("printer", "scanner", "print queue")),
    "hardware": (
        "Field Support",
        ("Workstations", "Laptops"),
        ("laptop", "monitor", "docking station"),
    ),
}
CATEGORY_NAMES = tuple(CATEGORIES)
SUBJECT_TEMPLATES = {
    "incident": (
        "{O} is not working",
        "Cannot connect to {o}",
        "{O} is very slow today",
        "Error in {o} after update",
        "{O} unavailable since morning",
        "{O} keeps crashing",
    ),
    "question": (
        "How to set up {o}?",
        "Question about {o}",
        "Where do I find {o} settings?",
        "Is {o} available from home?",
    ),
    "task": (
        "Access to {o} for a new employee",
        "Please change {o} settings",
        "Set up {o} for the new office",
        "Remove access to {o} for a leaver",
    ),
    "feature request": (
        "Add a monthly report to {o}",
        "{O}: feature request",
        "Improve notifications in {o}",
        "Please automate {o} requests",
    ),
}

# --- creation times -------------------------------------------------------------------------------

# Relative creation rate per local hour (00-11, then 12-23) on working days and on days off.
HOUR_WEIGHTS_WORKDAY = np.array(
    [0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.04, 0.12, 0.40, 1.00, 1.30, 1.30]
    + [1.10, 0.85, 1.20, 1.20, 1.10, 0.90, 0.45, 0.25, 0.15, 0.10, 0.05, 0.03]
)
HOUR_WEIGHTS_DAY_OFF = np.array(
    [0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.04, 0.07, 0.10, 0.14, 0.15]
    + [0.15, 0.14, 0.14, 0.13, 0.12, 0.11, 0.10, 0.09, 0.08, 0.06, 0.04, 0.03]
)
DAY_OFF_WEIGHT = 0.15  # tickets on a day off, relative to a working day

# --- organizations and people ---------------------------------------------------------------------

ORG_NAMES = (
    ("Volga Logistics", "volgalogistics"),
    ("Northwind Retail", "northwind"),
    ("Ural Steelworks", "uralsteel"),
    ("Neva Pharma", "nevapharma"),
    ("Baikal Foods", "baikalfoods"),
    ("Kama Motors", "kamamotors"),
    ("Sever Bank", "severbank"),
    ("Amur Shipping", "amurshipping"),
    ("Altai Agro", "altaiagro"),
    ("Oka Textiles", "okatextiles"),
    ("Ladoga Hotels", "ladogahotels"),
    ("Don Energy", "donenergy"),
    ("Irtysh Build", "irtyshbuild"),
    ("Kola Mining", "kolamining"),
    ("Sakhalin Fish", "sakhalinfish"),
    ("Onega Paper", "onegapaper"),
    ("Yenisei Telecom", "yeniseitelecom"),
    ("Pechora Clinics", "pechoraclinics"),
    ("Tver Print", "tverprint"),
    ("Samara Labs", "samaralabs"),
)
# invented organizations past the named ones: prefix x suffix
ORG_PREFIXES = words("""
    Arctic Taiga Steppe Granite Cedar Birch Falcon Polar Amber Iron Silver Crystal Aurora Meridian
    Vector Zenit
""")
ORG_SUFFIXES = words("""
    Trade Logistics Systems Foods Motors Health Finance Media Energy Build Retail Labs Textiles
    Chemicals Travel Agro
""")
FIRST_NAMES = words("""
    Anna Igor Olga Dmitry Elena Sergey Maria Pavel Irina Alexey Natalia Mikhail Tatiana Andrey
    Svetlana Nikolai Yulia Roman Ekaterina Artem Daria Maxim Polina Kirill Vera Denis Ksenia Oleg
    Alina Viktor
""")
LAST_NAMES = words("""
    Ivanov Petrov Smirnov Kuznetsov Popov Volkov Sokolov Lebedev Kozlov Novikov Morozov Orlov
    Egorov Pavlov Semenov Golubev Vinogradov Bogdanov Vorobyov Fedorov Mikhailov Belyaev Tarasov
    Belov Komarov Zaitsev Frolov Gusev Titov Kiselev
""")
FEMALE_FIRST = frozenset(
    words("""
    Anna Olga Elena Maria Irina Natalia Tatiana Svetlana Yulia Ekaterina Daria Polina Vera Ksenia
    Alina
""")
)


def surname(first: str, last: str) -> str:
    """The family name in the form that agrees with the first name (Ivanov, Ivanova)."""
    return last + "a" if first in FEMALE_FIRST else last


def agent_names(count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct "First Last" agent names (suffixed numbers once the pairs run out)."""
    pairs = [(f, surname(f, last)) for f in FIRST_NAMES for last in LAST_NAMES]
    order = rng.permutation(len(pairs))
    names = []
    for i in range(count):  # one per agent, not per ticket
        f, last = pairs[order[i % len(pairs)]]
        suffix = f" {i // len(pairs) + 1}" if i >= len(pairs) else ""
        names.append(f"{f} {last}{suffix}")
    return names


def org_names(count: int) -> list[tuple[str, str]]:
    """`count` (name, e-mail domain stem) pairs: the named organizations, then invented ones."""
    out = list(ORG_NAMES[:count])
    i = 0
    while len(out) < count:  # one per organization
        p, s = ORG_PREFIXES[i % len(ORG_PREFIXES)], ORG_SUFFIXES[i // len(ORG_PREFIXES) % 16]
        n = i // (len(ORG_PREFIXES) * len(ORG_SUFFIXES))
        tail = f" {n + 1}" if n else ""
        out.append((f"{p} {s}{tail}", f"{p}{s}{n or ''}".lower()))
        i += 1
    return out
