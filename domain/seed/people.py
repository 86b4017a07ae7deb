"""Made-up guests: names, phone numbers (valid E.164), e-mails, languages and preferences.

E-mail addresses use the reserved ``example.com/.net/.org`` domains, so nothing the demo sends
by e-mail can reach a real person. Phone numbers are valid-looking numbers of real numbering
plans (US ones use the fictional 555-01xx range); keep outbound channels sandboxed in demos.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

import phonenumbers

from domain.seed.specs import PersonaSpec

# What a guest's history looks like (see stays.py and dining.py):
#   loyal     4-9 stays over two years, the last one recent
#   regular   2-3 stays in the last year and a half
#   one_time  a single stay in the last year
#   lapsed    1-3 stays, all more than 400 days ago
#   current   staying now (checked in), perhaps after an earlier stay
#   future    a first stay booked for the coming weeks
#   diner     never stayed; books tables
#
# Share of each segment among a hotel's made-up guests, and a bar's (no rooms, so "loyal"
# and the others describe visits).
HOTEL_SEGMENTS = {
    "loyal": 15, "regular": 20, "one_time": 36, "lapsed": 15, "current": 3, "future": 5,
    "diner": 6,
}  # fmt: skip
BAR_SEGMENTS = {"loyal": 25, "regular": 35, "one_time": 20, "lapsed": 15, "future": 5}


@dataclass(frozen=True)
class Origin:
    code: str
    languages: tuple[tuple[str, int], ...]  # (language, weight)
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


@dataclass
class Person:
    name: str
    latin_name: str  # for the e-mail address
    phone: str | None
    email: str | None
    language: str
    timezone: str
    origin: str
    segment: str
    preferences: list[str] = field(default_factory=list)
    notes: str | None = None
    marketing_consent: bool = True
    opted_out: bool = False


# Israeli names as (Latin, Hebrew).
IL_FIRST = (
    ("Noa", "נועה"), ("Yael", "יעל"), ("Tamar", "תמר"), ("Shira", "שירה"), ("Maya", "מאיה"),
    ("Michal", "מיכל"), ("Roni", "רוני"), ("Adi", "עדי"), ("Lior", "ליאור"), ("Omer", "עומר"),
    ("Itai", "איתי"), ("Eitan", "איתן"), ("Yonatan", "יונתן"), ("Daniel", "דניאל"),
    ("Amit", "עמית"), ("Guy", "גיא"), ("Ido", "עידו"), ("Oren", "אורן"), ("Gal", "גל"),
    ("Hila", "הילה"), ("Keren", "קרן"), ("Moshe", "משה"), ("Rivka", "רבקה"), ("Sarit", "שרית"),
    ("Ariel", "אריאל"), ("Nir", "ניר"), ("Efrat", "אפרת"), ("Tal", "טל"), ("Osnat", "אסנת"),
    ("Yoav", "יואב"), ("Liat", "ליאת"), ("Avital", "אביטל"), ("Shai", "שי"), ("Ronen", "רונן"),
)  # fmt: skip
IL_LAST = (
    ("Cohen", "כהן"), ("Levi", "לוי"), ("Mizrahi", "מזרחי"), ("Peretz", "פרץ"),
    ("Biton", "ביטון"), ("Dahan", "דהן"), ("Avraham", "אברהם"), ("Friedman", "פרידמן"),
    ("Azulay", "אזולאי"), ("Katz", "כץ"), ("Shapiro", "שפירו"), ("Ben-David", "בן דוד"),
    ("Malka", "מלכה"), ("Gabay", "גבאי"), ("Amar", "עמר"), ("Ohana", "אוחנה"),
    ("Rosenberg", "רוזנברג"), ("Goldberg", "גולדברג"), ("Segal", "סגל"), ("Haddad", "חדד"),
    ("Yosef", "יוסף"), ("Weiss", "וייס"), ("Ashkenazi", "אשכנזי"), ("Sasson", "ששון"),
    ("Elbaz", "אלבז"), ("Tal", "טל"), ("Golan", "גולן"), ("Bar", "בר"),
)  # fmt: skip

ORIGINS: dict[str, Origin] = {
    "IL": Origin("IL", (("he", 80), ("en", 15), ("fr", 5)), (), ()),
    "GB": Origin("GB", (("en", 1),), (
        "Emma", "Olivia", "James", "Oliver", "Sophie", "Charlotte", "Harry", "Jack", "Amelia",
        "Thomas", "George", "Lucy", "William", "Grace", "Henry", "Eleanor",
    ), (
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Davies", "Evans", "Wilson", "Clarke",
        "Walker", "Wright", "Hughes", "Green", "Turner", "Cooper", "Bennett",
    )),
    "US": Origin("US", (("en", 1),), (
        "Michael", "Jessica", "Matthew", "Ashley", "Joshua", "Jennifer", "Andrew", "Rachel",
        "Benjamin", "Hannah", "Ethan", "Lauren", "Nathan", "Megan", "Aaron", "Rebecca",
    ), (
        "Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Anderson", "Thomas",
        "Moore", "Jackson", "White", "Harris", "Thompson", "Roth", "Klein", "Bernstein",
    )),
    "FR": Origin("FR", (("fr", 1),), (
        "Camille", "Léa", "Chloé", "Manon", "Louis", "Hugo", "Lucas", "Jules", "Mathilde",
        "Antoine", "Élodie", "Julien", "Nicolas", "Inès", "Théo", "Céline",
    ), (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Fontaine", "Benhamou", "Attal",
    )),
    "DE": Origin("DE", (("de", 9), ("en", 1)), (
        "Lukas", "Leon", "Felix", "Jonas", "Maximilian", "Anna", "Lena", "Lea", "Marie",
        "Katharina", "Julia", "Stefan", "Jürgen", "Sabine", "Tobias", "Franziska",
    ), (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun",
    )),
}  # fmt: skip

US_AREAS = {"212": "America/New_York", "646": "America/New_York", "617": "America/New_York",
            "305": "America/New_York", "312": "America/Chicago", "310": "America/Los_Angeles",
            "415": "America/Los_Angeles"}  # fmt: skip
DE_PREFIXES = ("151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "177")
TIMEZONES = {"IL": "Asia/Jerusalem", "GB": "Europe/London", "FR": "Europe/Paris",
             "DE": "Europe/Berlin"}  # fmt: skip
ROOM_PREFERENCES = (
    "prefers a quiet room", "high floor", "sea view", "twin beds", "extra pillows",
    "feather-free pillows", "early check-in when possible", "late checkout", "baby cot",
    "travels with a dog", "sparkling water in the room",
)  # fmt: skip
FOOD_PREFERENCES = (
    "vegetarian", "vegan", "gluten free", "kosher meals", "allergic to nuts", "no dairy",
    "pescatarian",
)  # fmt: skip
NOTES = (
    "Business traveller: needs a VAT invoice in the company's name.",
    "Celebrated their honeymoon here.",
    "Prefers WhatsApp to e-mail.",
    "Birthday in the spring; likes a small cake in the room.",
    "Complained once about noise from the bar deck: give a room on the quiet side.",
    "Tour guide; sometimes brings small groups.",
    "Uses a wheelchair: book an accessible room.",
    "Always asks for a table on the terrace.",
    "Regular at the spa; likes the hot-stone massage.",
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _phone(rng: random.Random, origin: str) -> tuple[str, str | None]:
    """A valid mobile number for ``origin`` and, for US numbers, the matching timezone."""
    while True:
        zone = None
        if origin == "IL":
            number = "+9725" + rng.choice("0234578") + _digits(rng, 7)
        elif origin == "GB":
            number = "+447" + rng.choice("4579") + _digits(rng, 8)
        elif origin == "US":
            area = rng.choice(sorted(US_AREAS))
            number, zone = f"+1{area}55501{_digits(rng, 2)}", US_AREAS[area]
        elif origin == "FR":
            number = "+33" + rng.choice("67") + _digits(rng, 8)
        else:
            number = "+49" + rng.choice(DE_PREFIXES) + _digits(rng, 7)
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number, zone


def ascii_slug(text: str) -> str:
    text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum() or c in ".-")


def _email(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    f, la = ascii_slug(first), ascii_slug(last).replace("-", "")
    for attempt in range(100):
        local = rng.choice(
            (f"{f}.{la}", f"{f}{la}", f"{f[0]}.{la}", f"{f}.{la}{rng.randint(1, 99)}")
        )
        if attempt > 3:
            local += str(rng.randint(100, 999))
        email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        if email not in taken:
            taken.add(email)
            return email
    raise RuntimeError("could not find a free e-mail address")  # pragma: no cover


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _preferences(rng: random.Random) -> list[str]:
    prefs: list[str] = []
    if rng.random() < 0.3:
        prefs.append(rng.choice(ROOM_PREFERENCES))
    if rng.random() < 0.2:
        prefs.append(rng.choice(FOOD_PREFERENCES))
    return prefs


def from_persona(spec: PersonaSpec) -> Person:
    return Person(
        name=spec.name,
        latin_name=spec.name,
        phone=spec.phone,
        email=spec.email,
        language=spec.language,
        timezone=spec.timezone,
        origin="persona",
        segment=spec.segment,
        preferences=list(spec.preferences),
        notes=spec.notes,
        marketing_consent=spec.marketing_consent and not spec.opted_out,
        opted_out=spec.opted_out,
    )


def make_people(
    rng: random.Random,
    count: int,
    personas: tuple[PersonaSpec, ...],
    origin_weights: dict[str, float],
    segments: dict[str, int],
) -> list[Person]:
    """``count`` guests: the personas first, then made-up ones."""
    people = [from_persona(p) for p in personas]
    phones = {p.phone for p in people if p.phone}
    emails = {p.email for p in people if p.email}
    origins = list(origin_weights) or ["IL"]
    weights = [origin_weights[o] for o in origins] if origin_weights else [1.0]
    while len(people) < count:
        origin = rng.choices(origins, weights=weights)[0]
        language = _weighted(rng, ORIGINS[origin].languages)
        if origin == "IL":
            (first, first_he), (last, last_he) = rng.choice(IL_FIRST), rng.choice(IL_LAST)
            # Many Israeli guests are on file under their Hebrew name.
            name = f"{first_he} {last_he}" if language == "he" and rng.random() < 0.4 else None
        else:
            first, last = (
                rng.choice(ORIGINS[origin].first_names),
                rng.choice(ORIGINS[origin].last_names),
            )
            name = None
        latin = f"{first} {last}"
        phone, zone = _phone(rng, origin)
        if phone in phones:
            continue
        phones.add(phone)
        roll = rng.random()
        person = Person(
            name=name or latin,
            latin_name=latin,
            # A few booked through an online agency and left only an e-mail, a few only a phone.
            phone=None if roll < 0.02 else phone,
            email=None if 0.02 <= roll < 0.17 else _email(rng, first, last, emails),
            language=language,
            timezone=zone or TIMEZONES[origin],
            origin=origin,
            segment=rng.choices(list(segments), weights=list(segments.values()))[0],
            preferences=_preferences(rng),
            notes=rng.choice(NOTES) if rng.random() < 0.12 else None,
            marketing_consent=rng.random() < 0.85,
        )
        if person.marketing_consent and rng.random() < 0.12:
            person.opted_out, person.marketing_consent = True, False
        people.append(person)
    return people
