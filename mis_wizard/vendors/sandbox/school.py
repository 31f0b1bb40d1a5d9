"""One deterministic synthetic school that every emulator renders in its own wire format.

The same (seed, size, anchor) gives the same school, so tests, the demo and support training
see the same people. It carries the quirks real schools have and integrators' filters exist
for: combined "Mr and Mrs" contacts, contacts without parental responsibility, missing and
duplicate e-mails, two campuses whose year names collide, students in no class, leavers,
non-teaching staff, holidays in the calendar, daily covers, room changes and cancellations.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, overload

SIZES = {"small": 50, "medium": 1000, "large": 5000}

FIRST_F = ("Olivia", "Charlotte", "Amelia", "Isla", "Mia", "Ava", "Grace", "Chloe", "Sophie", "Zoe", "Ruby",
           "Harper", "Evie", "Lily", "Matilda", "Aisha", "Mei", "Priya", "Sienna", "Layla", "Freya", "Hannah")
FIRST_M = ("Oliver", "Jack", "Noah", "William", "Leo", "Henry", "Thomas", "Lucas", "Charlie", "James", "Liam",
           "Ethan", "Max", "Arjun", "Kai", "Hamish", "Samuel", "Felix", "Hugo", "Mohammed", "Ravi", "Finn")
LAST = ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson", "Martin", "White",
        "Anderson", "Walker", "Thompson", "Harris", "Lee", "Ryan", "Robinson", "Kelly", "King", "Davies",
        "Patel", "Singh", "Chen", "Wang", "O'Brien", "Murphy", "Campbell", "Clarke", "Evans", "Hughes",
        "MacDonald", "Van der Berg", "Edwards", "Wright", "Green", "Hall", "Wood", "Jackson", "Scott", "Young")
SUBJECTS = (("ENG", "English"), ("MAT", "Mathematics"), ("SCI", "Science"), ("HIS", "History"),
            ("GEO", "Geography"), ("ART", "Visual Art"), ("MUS", "Music"), ("PE", "Physical Education"),
            ("LOTE", "French"), ("TECH", "Design and Technology"))
HOUSES = ("Banksia", "Waratah", "Wattle", "Jacaranda")
PERIODS = (("P1", "08:50", "09:40"), ("P2", "09:40", "10:30"), ("P3", "10:50", "11:40"),
           ("P4", "11:40", "12:30"), ("P5", "13:20", "14:10"), ("P6", "14:10", "15:00"))
CYCLE_DAYS = 10
RELATIONSHIPS = ("Mother", "Father", "Guardian", "Grandparent", "Step-parent", "Carer")
MAIL_MERGE_FLAGS = ("All Merges", "Correspondence", "Reports", "Fees")


@dataclass(slots=True)
class Campus:
    id: str
    name: str
    code: str


@dataclass(slots=True)
class YearGroup:
    id: str
    campus_id: str
    name: str
    """Collides across campuses on purpose ("Year 7" at both)."""
    level: int


@dataclass(slots=True)
class House:
    id: str
    name: str


@dataclass(slots=True)
class RegGroup:
    id: str
    name: str
    year_id: str
    tutor_id: str


@dataclass(slots=True)
class Student:
    id: str
    code: str
    first_name: str
    last_name: str
    preferred_name: str
    gender: str
    """"M", "F" or "X"."""
    birth_date: dt.date
    campus_id: str
    year_id: str
    year_level: int
    reg_group_id: str
    house_id: str
    email: str
    entry_date: dt.date
    leave_date: dt.date | None
    status: str
    """"current" or "leaver"."""
    family_id: str


@dataclass(slots=True)
class Contact:
    id: str
    title: str
    first_name: str
    last_name: str
    email: str
    """Empty when the school holds none."""
    mobile: str
    combined: bool = False
    """One record for two people, e.g. title "Mr and Mrs", first name "David and Sarah"."""


@dataclass(slots=True)
class ContactLink:
    student_id: str
    contact_id: str
    relationship: str
    parental_responsibility: bool
    lives_with: bool
    priority: int
    mail_merge: tuple[str, ...]


@dataclass(slots=True)
class Staff:
    id: str
    code: str
    title: str
    first_name: str
    last_name: str
    email: str
    teaching: bool
    campus_id: str
    status: str
    role: str


@dataclass(slots=True)
class Subject:
    id: str
    code: str
    name: str


@dataclass(slots=True)
class TeachingClass:
    id: str
    code: str
    name: str
    subject_id: str
    year_id: str
    kind: str
    """"teaching_set", "mixed" or "custom"; registration groups are RegGroup."""
    main_teacher_id: str
    second_teacher_id: str | None
    room: str


@dataclass(slots=True)
class Lesson:
    class_id: str
    day: int
    period: str
    room: str
    staff_id: str


@dataclass(slots=True)
class Term:
    id: str
    name: str
    start: dt.date
    end: dt.date


@dataclass(slots=True)
class CalendarDay:
    date: dt.date
    cycle_day: int | None
    """None on weekends and holidays."""
    holiday: str
    term_id: str | None


@dataclass(slots=True)
class DailyChange:
    date: dt.date
    kind: str
    """"cover", "room_change" or "cancellation"."""
    class_id: str
    period: str
    staff_id: str
    room: str


@dataclass(slots=True)
class AttendanceMark:
    date: dt.date
    student_id: str
    session: str
    """"AM" or "PM"."""
    mark: str
    """"/" present, "N" unexplained absence, "L" late, "M" medical."""


@dataclass
class School:
    seed: int
    anchor: dt.date
    name: str
    campuses: list[Campus] = field(default_factory=list)
    years: list[YearGroup] = field(default_factory=list)
    houses: list[House] = field(default_factory=list)
    reg_groups: list[RegGroup] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    contact_links: list[ContactLink] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    classes: list[TeachingClass] = field(default_factory=list)
    memberships: list[tuple[str, str]] = field(default_factory=list)
    """(class_id, student_id)."""
    lessons: list[Lesson] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    calendar: list[CalendarDay] = field(default_factory=list)
    daily_changes: list[DailyChange] = field(default_factory=list)

    @property
    def school_year(self) -> int:
        return self.terms[0].start.year

    def bell_times(self) -> list[tuple[int, str, str, str]]:
        """(cycle day, period, start, end) for every day of the cycle."""
        return [(d, p, s, e) for d in range(1, CYCLE_DAYS + 1) for p, s, e in PERIODS]

    def current_students(self) -> list[Student]:
        return [s for s in self.students if s.status == "current"]

    def cycle_day(self, date: dt.date) -> int | None:
        for day in self.calendar:
            if day.date == date:
                return day.cycle_day
        return None

    def attendance(self, date: dt.date) -> list[AttendanceMark]:
        """Marks for one school day, generated on demand so a large school stays small in memory."""
        if not self.cycle_day(date):
            return []
        rng = random.Random(f"{self.seed}:{date.isoformat()}")
        marks = []
        for s in self.current_students():
            for session in ("AM", "PM"):
                r = rng.random()
                mark = "/" if r < 0.93 else "L" if r < 0.96 else "N" if r < 0.985 else "M"
                marks.append(AttendanceMark(date, s.id, session, mark))
        return marks



def resolve_size(size: str | int) -> int:
    if isinstance(size, int):
        n = size
    elif size in SIZES:
        n = SIZES[size]
    elif str(size).isdigit():
        n = int(size)
    else:
        raise ValueError(f"Size must be small, medium, large or a number of students, not {size!r}.")
    if not 10 <= n <= 50_000:
        raise ValueError("Size must be between 10 and 50,000 students.")
    return n


def generate(seed: int = 1, size: str | int = "small", anchor: dt.date | None = None) -> School:
    """Build the school. ``anchor`` is the day the school's year is built around (default today)."""
    n = resolve_size(size)
    anchor = anchor or dt.date.today()
    rng = random.Random(seed)
    school = School(seed=seed, anchor=anchor, name="Riverbend Grammar School")
    _structure(school, rng, n)
    _staff(school, rng, n)
    _students_and_families(school, rng, n)
    _classes(school, rng)
    _calendar(school, rng)
    return school


def _structure(school: School, rng: random.Random, n: int) -> None:
    school.campuses = [Campus("C1", "North Campus", "NTH"), Campus("C2", "South Campus", "STH")]
    for campus in school.campuses:
        for level in range(7, 13):
            school.years.append(YearGroup(f"{campus.id}-Y{level}", campus.id, f"Year {level}", level))
    school.houses = [House(f"H{i + 1}", name) for i, name in enumerate(HOUSES)]
    school.subjects = [Subject(f"SUB{i + 1}", code, name) for i, (code, name) in enumerate(SUBJECTS)]


def _person_name(rng: random.Random) -> tuple[str, str, str]:
    gender = rng.choice("MF") if rng.random() > 0.01 else "X"
    pool = FIRST_M if gender == "M" else FIRST_F if gender == "F" else FIRST_F + FIRST_M
    return rng.choice(pool), rng.choice(LAST), gender


def _staff(school: School, rng: random.Random, n: int) -> None:
    teachers = max(6, n // 12)
    others = max(2, n // 60)
    for i in range(teachers + others):
        first, last, gender = _person_name(rng)
        teaching = i < teachers
        sid = f"T{i + 1:05d}"
        school.staff.append(Staff(
            id=sid, code=f"{last[:3].upper().replace(' ', '').replace(chr(39), '')}{i + 1}",
            title=rng.choice(("Mr", "Dr")) if gender == "M" else rng.choice(("Ms", "Mrs", "Dr")),
            first_name=first, last_name=last,
            email=f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}{i + 1}@riverbend.example.edu",
            teaching=teaching, campus_id=school.campuses[i % 2].id,
            status="current" if rng.random() > 0.03 else "noncurrent",
            role="Teacher" if teaching else rng.choice(("Registrar", "Business Manager", "IT Support", "Nurse"))))


def _students_and_families(school: School, rng: random.Random, n: int) -> None:
    teachers = [s for s in school.staff if s.teaching]
    for year in school.years:
        for form in "AB":
            tutor = teachers[len(school.reg_groups) % len(teachers)]
            school.reg_groups.append(RegGroup(f"RG-{year.id}-{form}", f"{year.level}{form}", year.id, tutor.id))
    _families(school, rng, 0, n, 0)


def _families(school: School, rng: random.Random, i: int, n: int, family_no: int) -> None:
    """Students ``i + 1`` to ``n`` (ids S000001…) in families numbered from ``family_no + 1``."""
    year0 = school.anchor.year
    used_emails: list[str] = []
    family_students: list[Student] = []
    while i < n:
        family_no += 1
        fid = f"F{family_no:05d}"
        last = rng.choice(LAST)
        siblings = min(n - i, 1 if rng.random() < 0.7 else rng.choice((2, 2, 3)))
        campus = school.campuses[rng.random() < 0.35]
        family_students.clear()
        for _ in range(siblings):
            i += 1
            first, _, gender = _person_name(rng)
            year = school.years[(0 if campus.id == "C1" else 6) + rng.randrange(6)]
            born = dt.date(year0 - year.level - 5, 1, 1) + dt.timedelta(days=rng.randrange(365))
            leaver = rng.random() < 0.02
            entry = dt.date(year0 - rng.randrange(0, year.level - 6), 1, 28)
            student = Student(
                id=f"S{i:06d}", code=f"{year0 % 100:02d}{i:05d}", first_name=first, last_name=last,
                preferred_name=first if rng.random() > 0.1 else first[:3], gender=gender, birth_date=born,
                campus_id=campus.id, year_id=year.id, year_level=year.level,
                reg_group_id=f"RG-{year.id}-{rng.choice('AB')}", house_id=rng.choice(school.houses).id,
                email=f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}{i}"
                      "@students.riverbend.example.edu",
                entry_date=entry,
                leave_date=school.anchor - dt.timedelta(days=rng.randrange(5, 200)) if leaver else None,
                status="leaver" if leaver else "current", family_id=fid)
            school.students.append(student)
            family_students.append(student)
        _family_contacts(school, rng, fid, last, family_students, used_emails)


def _family_contacts(school: School, rng: random.Random, fid: str, last: str, kids: list[Student],
                     used_emails: list[str]) -> None:
    def email_for(first: str, cid: str) -> str:
        r = rng.random()
        if r < 0.06:
            return ""
        if r < 0.08 and used_emails:
            return rng.choice(used_emails[-50:])
        address = f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}.{cid.lower()}@mail.example.com"
        used_emails.append(address)
        return address

    def mobile() -> str:
        return f"04{rng.randrange(10**8):08d}"

    people: list[tuple[Contact, str, bool]] = []
    r = rng.random()
    if r < 0.04:
        cid = f"{fid}-C1"
        dad, mum = rng.choice(FIRST_M), rng.choice(FIRST_F)
        people.append((Contact(cid, "Mr and Mrs", f"{dad} and {mum}", last, email_for(dad, cid), mobile(),
                               combined=True), "Mother and Father", True))
    else:
        for k, (title, rel, pool) in enumerate((("Mrs", "Mother", FIRST_F), ("Mr", "Father", FIRST_M))):
            if k == 1 and rng.random() < 0.15:
                break
            cid = f"{fid}-C{k + 1}"
            first = rng.choice(pool)
            title = title if rng.random() > 0.03 else ""
            people.append((Contact(cid, title, first, last, email_for(first, cid), mobile()), rel, True))
    if rng.random() < 0.12:
        cid = f"{fid}-C9"
        first = rng.choice(FIRST_F + FIRST_M)
        people.append((Contact(cid, rng.choice(("Mrs", "Mr", "Ms")), first, rng.choice(LAST),
                               email_for(first, cid), mobile()), rng.choice(("Grandparent", "Carer")), False))
    for priority, (contact, relationship, responsible) in enumerate(people, start=1):
        if responsible and rng.random() < 0.05:
            responsible = False
        school.contacts.append(contact)
        flags = tuple(f for f in MAIL_MERGE_FLAGS if rng.random() < (0.8 if responsible else 0.2))
        for kid in kids:
            school.contact_links.append(ContactLink(kid.id, contact.id, relationship, responsible,
                                                    priority <= 2, priority, flags))


def _classes(school: School, rng: random.Random) -> None:
    teachers = [s for s in school.staff if s.teaching]
    by_year: dict[str, list[Student]] = {}
    for s in school.students:
        if s.status == "current":
            by_year.setdefault(s.year_id, []).append(s)
    rooms = [f"{b}{r}" for b in "ABCD" for r in range(1, 16)]
    k = 0
    for year in school.years:
        pupils = by_year.get(year.id, [])
        sets = max(1, len(pupils) // 25)
        for code, name in SUBJECTS[:6]:
            subject = next(x for x in school.subjects if x.code == code)
            for n in range(sets):
                k += 1
                main = teachers[k % len(teachers)]
                second = teachers[(k * 7 + 3) % len(teachers)] if rng.random() < 0.2 else None
                kind = "teaching_set" if code in ("MAT", "ENG", "SCI") else "mixed"
                cls = TeachingClass(f"CL{k:05d}", f"{year.level}{code}{year.campus_id[-1]}{n + 1}",
                                    f"Year {year.level} {name} {n + 1}", subject.id, year.id, kind, main.id,
                                    second.id if second and second.id != main.id else None, rng.choice(rooms))
                school.classes.append(cls)
                for p in pupils[n::sets]:
                    school.memberships.append((cls.id, p.id))
    # A few custom groups and a class with no students, as real timetables have.
    k += 1
    school.classes.append(TeachingClass(f"CL{k:05d}", "CHESS", "Chess Club", school.subjects[-1].id,
                                        school.years[0].id, "custom", teachers[0].id, None, "LIB"))
    k += 1
    school.classes.append(TeachingClass(f"CL{k:05d}", "12EXT", "Year 12 Extension (no students yet)",
                                        school.subjects[1].id, school.years[5].id, "teaching_set",
                                        teachers[1].id, None, "A1"))
    # Some current students are in no class: take them off every list.
    current = [s for s in school.students if s.status == "current"]
    unplaced = {s.id for s in rng.sample(current, max(1, len(current) // 33))}
    school.memberships = [m for m in school.memberships if m[1] not in unplaced]
    for cls in school.classes:
        for _ in range(2):
            school.lessons.append(Lesson(cls.id, rng.randrange(1, CYCLE_DAYS + 1), rng.choice(PERIODS)[0],
                                         cls.room, cls.main_teacher_id))


def _calendar(school: School, rng: random.Random) -> None:
    year = school.anchor.year
    spans = ((dt.date(year, 1, 27), dt.date(year, 4, 2)), (dt.date(year, 4, 20), dt.date(year, 6, 26)),
             (dt.date(year, 7, 13), dt.date(year, 9, 18)), (dt.date(year, 10, 5), dt.date(year, 12, 18)))
    school.terms = [Term(f"{year}T{i + 1}", f"Term {i + 1} {year}", a, b) for i, (a, b) in enumerate(spans)]
    holidays = {dt.date(year, 1, 26): "Australia Day", dt.date(year, 4, 25): "Anzac Day",
                dt.date(year, 6, 8): "King's Birthday", dt.date(year, 11, 3): "Staff Development Day"}
    day = dt.date(year, 1, 1)
    cycle = 0
    while day.year == year:
        term = next((t for t in school.terms if t.start <= day <= t.end), None)
        holiday = holidays.get(day, "")
        if day.weekday() >= 5:
            school.calendar.append(CalendarDay(day, None, "", term.id if term else None))
        elif term is None:
            school.calendar.append(CalendarDay(day, None, holiday or "School holidays", None))
        elif holiday:
            school.calendar.append(CalendarDay(day, None, holiday, term.id))
        else:
            school.calendar.append(CalendarDay(day, cycle % CYCLE_DAYS + 1, "", term.id))
            cycle += 1
        day += dt.timedelta(days=1)
    teachers = [s for s in school.staff if s.teaching]
    school_days = [d for d in school.calendar if d.cycle_day and abs((d.date - school.anchor).days) <= 14]
    for d in school_days:
        todays = [lsn for lsn in school.lessons if lsn.day == d.cycle_day]
        for lesson in rng.sample(todays, min(len(todays), 3)):
            kind = rng.choice(("cover", "room_change", "cancellation"))
            school.daily_changes.append(DailyChange(
                d.date, kind, lesson.class_id, lesson.period,
                rng.choice(teachers).id if kind == "cover" else lesson.staff_id,
                f"R{rng.randrange(1, 40)}" if kind == "room_change" else lesson.room))


DISTRICT_BLOCK = 1000
"""A district's students are made a thousand at a time, each block from its own seed."""
DISTRICT_MAX = 1_000_000

T = TypeVar("T")
U = TypeVar("U")


class Blocks(Sequence[T]):
    """A long list made one block at a time when asked for, the last few blocks kept: a district's
    students, contacts, links and class lists are never all held at once. ``sizes`` gives every
    block's length when known without making it (else each block is made once to count it)."""

    def __init__(self, count: int, make: Callable[[int], list[T]], sizes: list[int] | None = None,
                 count_with: Callable[[], None] | None = None) -> None:
        """``count_with`` counts this and its sibling lists in one pass (calling ``known``)."""
        self.n_blocks, self.make, self.count_with = count, make, count_with
        self._starts: list[int] | None = None
        if sizes is not None:
            self.known(sizes)
        self._cache: dict[int, list[T]] = {}

    def known(self, sizes: list[int]) -> None:
        self._starts = [0, *itertools.accumulate(sizes)]

    def block(self, b: int) -> list[T]:
        found = self._cache.get(b)
        if found is None:
            found = self._cache[b] = self.make(b)
            while len(self._cache) > 4:
                del self._cache[next(iter(self._cache))]
        return found

    def sizes(self) -> list[int]:
        starts = self._offsets()
        return [b - a for a, b in itertools.pairwise(starts)]

    def map(self, fn: Callable[[int, T], U]) -> Blocks[U]:
        """The same blocks, each item ``fn(index, item)`` (index from 0 across the blocks)."""
        def make(b: int) -> list[U]:
            first = self._offsets()[b]
            return [fn(first + i, x) for i, x in enumerate(self.block(b))]
        return Blocks(self.n_blocks, make, self.sizes())

    def _offsets(self) -> list[int]:
        if self._starts is None and self.count_with is not None:
            self.count_with()
        if self._starts is None:
            self._starts = [0, *itertools.accumulate(len(self.block(b)) for b in range(self.n_blocks))]
        return self._starts

    def __len__(self) -> int:
        return self._offsets()[-1]

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        starts = self._offsets()
        if isinstance(index, slice):
            first, stop, step = index.indices(starts[-1])
            if step != 1:
                return [self[i] for i in range(first, stop, step)]
            out: list[T] = []
            b = bisect.bisect_right(starts, first) - 1
            while first < stop and b < self.n_blocks:
                block = self.block(b)
                out.extend(block[first - starts[b]: stop - starts[b]])
                b += 1
                first = starts[b]
            return out
        if index < 0:
            index += starts[-1]
        if not 0 <= index < starts[-1]:
            raise IndexError(index)
        b = bisect.bisect_right(starts, index) - 1
        return self.block(b)[index - starts[b]]

    def __iter__(self) -> Iterator[T]:
        for b in range(self.n_blocks):
            yield from self.block(b)


@dataclass
class _DistrictBlock:
    students: list[Student]
    contacts: list[Contact]
    contact_links: list[ContactLink]


def district(seed: int = 1, students: int = 250_000, anchor: dt.date | None = None) -> School:
    """A district-sized school (up to a million students): the same kinds of people and quirks as
    ``generate``, but its students, contacts, links and class lists are made a block at a time when
    an emulator reads them, so a quarter-million-student district serves from a few hundred MB.
    Deterministic in (seed, students, anchor); not the same people as ``generate`` at any size."""
    if not 10 <= students <= DISTRICT_MAX:
        raise ValueError(f"A district has between 10 and {DISTRICT_MAX:,} students.")
    anchor = anchor or dt.date.today()
    rng = random.Random(f"{seed}:district")
    school = School(seed=seed, anchor=anchor, name="Riverbend District Schools")
    _structure(school, rng, students)
    _staff(school, rng, students)
    teachers = [s for s in school.staff if s.teaching]
    for year in school.years:
        for form in "AB":
            tutor = teachers[len(school.reg_groups) % len(teachers)]
            school.reg_groups.append(RegGroup(f"RG-{year.id}-{form}", f"{year.level}{form}", year.id, tutor.id))
    count = -(-students // DISTRICT_BLOCK)
    sizes = [min(DISTRICT_BLOCK, students - b * DISTRICT_BLOCK) for b in range(count)]
    cache: dict[int, _DistrictBlock] = {}
    sets: dict[str, list[str]] = {}
    """Year id → class ids of each subject's sets, filled by _district_classes before any class list is made."""

    def block(b: int) -> _DistrictBlock:
        found = cache.get(b)
        if found is None:
            found = cache[b] = _district_block(school, b, sizes[b])
            while len(cache) > 4:
                del cache[next(iter(cache))]
        return found

    def count_all() -> None:
        lengths = [(len(m.contacts), len(m.contact_links), len(_district_memberships(school, b, m.students, sets)))
                   for b, m in enumerate(map(block, range(count)))]
        contacts.known([n[0] for n in lengths])
        links.known([n[1] for n in lengths])
        memberships.known([n[2] for n in lengths])

    school.students = Blocks(count, lambda b: block(b).students, sizes)  # type: ignore[assignment]
    contacts = Blocks(count, lambda b: block(b).contacts, count_with=count_all)
    links = Blocks(count, lambda b: block(b).contact_links, count_with=count_all)
    memberships = Blocks(count, lambda b: _district_memberships(school, b, block(b).students, sets),
                         count_with=count_all)
    school.contacts, school.contact_links = contacts, links  # type: ignore[assignment]
    _district_classes(school, rng, sets)
    school.memberships = memberships  # type: ignore[assignment]
    _calendar(school, rng)
    return school


def _district_block(school: School, b: int, size: int) -> _DistrictBlock:
    rng = random.Random(f"{school.seed}:district-block:{b}")
    part = School(seed=school.seed, anchor=school.anchor, name=school.name, campuses=school.campuses,
                  years=school.years, houses=school.houses)
    first = b * DISTRICT_BLOCK
    _families(part, rng, first, first + size, first)
    return _DistrictBlock(part.students, part.contacts, part.contact_links)


def _district_memberships(school: School, b: int, students: list[Student], sets: dict[str, list[str]]
                          ) -> list[tuple[str, str]]:
    """A block's class lists: each current student in one set of each of six subjects, but a few
    (about one in 33) in no class."""
    rng = random.Random(f"{school.seed}:district-classes:{b}")
    out: list[tuple[str, str]] = []
    for s in students:
        if s.status != "current" or rng.random() < 1 / 33:
            continue
        year_sets = sets[s.year_id]
        per_subject = len(year_sets) // 6
        n = int(s.id[1:])
        for subject in range(6):
            out.append((year_sets[subject * per_subject + n % per_subject], s.id))
    return out


def _district_classes(school: School, rng: random.Random, sets: dict[str, list[str]]) -> None:
    """Each year's sets of 25 (from the year's current students, counted once), two custom groups,
    and each class's two lessons a cycle, as ``_classes`` makes them."""
    teachers = [s for s in school.staff if s.teaching]
    pupils: dict[str, int] = {}
    for s in school.students:
        if s.status == "current":
            pupils[s.year_id] = pupils.get(s.year_id, 0) + 1
    rooms = [f"{b}{r}" for b in "ABCD" for r in range(1, 16)]
    k = 0
    for year in school.years:
        count = max(1, pupils.get(year.id, 0) // 25)
        ids = sets[year.id] = []
        for code, name in SUBJECTS[:6]:
            subject = next(x for x in school.subjects if x.code == code)
            for n in range(count):
                k += 1
                main = teachers[k % len(teachers)]
                second = teachers[(k * 7 + 3) % len(teachers)] if rng.random() < 0.2 else None
                kind = "teaching_set" if code in ("MAT", "ENG", "SCI") else "mixed"
                school.classes.append(TeachingClass(
                    f"CL{k:05d}", f"{year.level}{code}{year.campus_id[-1]}{n + 1}", f"Year {year.level} {name} {n + 1}",
                    subject.id, year.id, kind, main.id, second.id if second and second.id != main.id else None,
                    rng.choice(rooms)))
                ids.append(f"CL{k:05d}")
    k += 1
    school.classes.append(TeachingClass(f"CL{k:05d}", "CHESS", "Chess Club", school.subjects[-1].id,
                                        school.years[0].id, "custom", teachers[0].id, None, "LIB"))
    for cls in school.classes:
        for _ in range(2):
            school.lessons.append(Lesson(cls.id, rng.randrange(1, CYCLE_DAYS + 1), rng.choice(PERIODS)[0],
                                         cls.room, cls.main_teacher_id))
