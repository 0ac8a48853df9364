"""Synthetic portfolios shaped like the real one, at any scale, deterministic by seed.

`generate` writes what `data/<edition>/` holds: the official text in the ``quebec-ca-2025``
layout, its ``curation.yaml`` and ``source.toml``. The real reader (`read_edition`), the
real mapping and the real build then run unchanged on it, so the graphs are what the
pipeline makes of a portfolio that size: programmes with numbered sub-projects (some named,
some completed, some new), standalone projects, a provincial deployment now and then,
organizations, legal references, Conseil du trésor decisions, merged and renamed entries
with their notes, two tables, French names with accents and English names beside them.

``projects`` counts the initiatives listed (programmes, projects, sub-projects,
deployments): the real 2025-2026 edition lists 48 and maps to about 1,550 triples, so a
synthetic portfolio gives about 31 triples per initiative listed.

>>> files = generate(40, seed=7)
>>> sorted(files)
['2025-2026/curation.yaml', '2025-2026/portefeuille-2025-2026.txt', '2025-2026/source.toml']
>>> files == generate(40, seed=7)
True
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import isqrt
from pathlib import Path

from portefeuille_ld.iris import slugify

__all__ = ["EDITION", "SCALES", "generate", "write_dataset"]

EDITION = "2025-2026"
"""The edition the synthetic text describes (the competency questions ask about it)."""

SCALES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
"""The named scales: number of initiatives listed."""

GENERATOR_VERSION = 1
"""Bump when the output changes, so cached datasets are rebuilt."""

_TEXT = f"portefeuille-{EDITION}.txt"
_DIRECTORY = EDITION

_DOMAINS = (
    ("de la Santé et des Services sociaux", "Health and Social Services"),
    ("de l’Éducation", "Education"),
    ("de l’Enseignement supérieur", "Higher Education"),
    ("de la Justice", "Justice"),
    ("de la Sécurité publique", "Public Security"),
    ("des Transports et de la Mobilité durable", "Transport and Sustainable Mobility"),
    ("de l’Économie, de l’Innovation et de l’Énergie", "Economy, Innovation and Energy"),
    ("des Finances", "Finance"),
    ("de la Famille", "Families"),
    ("de l’Environnement et de la Lutte contre les changements climatiques", "Environment"),
    ("des Ressources naturelles et des Forêts", "Natural Resources and Forests"),
    ("de l’Agriculture, des Pêcheries et de l’Alimentation", "Agriculture, Fisheries and Food"),
    ("de la Culture et des Communications", "Culture and Communications"),
    ("du Tourisme", "Tourism"),
    ("des Affaires municipales et de l’Habitation", "Municipal Affairs and Housing"),
    ("de l’Emploi et de la Solidarité sociale", "Employment and Social Solidarity"),
    ("de l’Immigration, de la Francisation et de l’Intégration", "Immigration and Francization"),
    ("du Travail", "Labour"),
    ("des Relations internationales et de la Francophonie", "International Relations"),
    ("de la Langue française", "the French Language"),
    ("des Aînés", "Seniors"),
)
_BODIES = (
    ("Commission", "Commission"),
    ("Régie", "Board"),
    ("Office", "Office"),
    ("Société québécoise", "Quebec corporation"),
)
_REGIONS = (
    "Bas-Saint-Laurent",
    "Saguenay–Lac-Saint-Jean",
    "Capitale-Nationale",
    "Mauricie",
    "Estrie",
    "Montréal",
    "Outaouais",
    "Abitibi-Témiscamingue",
    "Côte-Nord",
    "Nord-du-Québec",
    "Gaspésie–Îles-de-la-Madeleine",
    "Chaudière-Appalaches",
    "Laval",
    "Lanaudière",
    "Laurentides",
    "Montérégie",
    "Centre-du-Québec",
)
_REGIONAL = (
    ("Direction régionale", "regional directorate"),
    ("Bureau régional", "regional office"),
    ("Comité régional", "regional committee"),
)
_THEMES = (
    ("Système de gestion", "Management system"),
    ("Plateforme de services en ligne", "Online services platform"),
    ("Modernisation des systèmes de mission", "Modernization of the mission systems"),
    ("Dossier numérique", "Digital record"),
    ("Refonte du registre", "Overhaul of the register"),
    ("Portail libre-service", "Self-service portal"),
    ("Solution d’affaires intégrée", "Integrated business solution"),
    ("Dépôt numérique fiable", "Trusted digital repository"),
    ("Entrepôt de données", "Data warehouse"),
    ("Service québécois d’échange de données", "Quebec data exchange service"),
    ("Gestion électronique des documents", "Electronic document management"),
    ("Infrastructure à clés publiques", "Public key infrastructure"),
)
_OBJECTS = (
    ("des permis et certificats", "for permits and certificates"),
    ("des dossiers judiciaires", "for court records"),
    ("des prestations", "for benefits"),
    ("des ressources humaines", "for human resources"),
    ("des établissements du réseau", "for the network’s institutions"),
    ("des subventions à l’enfance", "for childcare grants"),
    ("des acquisitions gouvernementales", "for government procurement"),
    ("de l’identité numérique", "for digital identity"),
    ("des interventions d’urgence", "for emergency response"),
    ("des archives numériques", "for digital archives"),
    ("de la francisation", "for francization"),
    ("des registres de l’État", "for the State’s registers"),
    ("des élèves et étudiants", "for pupils and students"),
    ("des contrôles routiers", "for road checks"),
)
_COMPONENTS = (
    ("Portail libre-service avec dossier client 360°", "Self-service portal with a 360° record"),
    ("Processus automatisés de livraison de services", "Automated service delivery processes"),
    ("Assises applicatives et technologiques", "Application and technology foundations"),
    ("Dépôt des actes de procédure et des demandes", "Filing of pleadings and applications"),
    ("Identité numérique citoyenne", "Citizen digital identity"),
    ("Échanges de données sécurisés", "Secure data exchanges"),
    ("Migration des données historiques", "Migration of historical data"),
    ("Accès amélioré aux services en ligne – Entreprises", "Better online access – Businesses"),
    ("Accès amélioré aux services en ligne – Citoyens", "Better online access – Citizens"),
    ("Représentation citoyenne", "Citizen representation"),
    ("Modernisation du poste de travail", "Modernization of the workstation"),
    ("Refonte de l’entrepôt de données", "Overhaul of the data warehouse"),
)
_SENTENCES = (
    "Vise la modernisation des systèmes de mission {o} afin de simplifier les démarches des "
    "citoyens et des entreprises et de réduire les délais de traitement.",
    "Vise l’acquisition et l’implantation d’une solution intégrée de gestion {o}, de même que "
    "de nouvelles fonctionnalités numériques.",
    "Permet d’avoir une solution centralisée des informations {o} à la grandeur des "
    "établissements et une meilleure prise de décision.",
    "Offre une meilleure information aux citoyens et aux organismes publics, dans le respect "
    "de la protection des renseignements personnels.",
    "Vise à mutualiser au sein d’un portail l’offre de services numériques et à favoriser "
    "l’expérience des usagers de toutes les régions du Québec.",
    "Le présent dossier s’inscrit dans la démarche de transformation numérique de l’État et "
    "de consolidation des infrastructures technologiques.",
    "Assure la sécurité, l’accès et la conservation à long terme des documents numériques {o}.",
)
_LAWS = (
    ("les services de santé et les services sociaux", "Act respecting health and social services"),
    ("l’instruction publique", "Education Act"),
    ("l’accès aux documents des organismes publics", "Act respecting access to documents"),
    ("la sécurité civile", "Civil Protection Act"),
    ("la qualité de l’environnement", "Environment Quality Act"),
    ("l’assurance parentale", "Act respecting parental insurance"),
    ("la protection des renseignements personnels", "Act respecting personal information"),
    ("les archives", "Archives Act"),
    ("la langue officielle et commune du Québec", "Charter of the French language"),
    ("l’aide aux personnes et aux familles", "Individual and Family Assistance Act"),
)
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_NUMBER_WORDS = ("", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")

_CONTEXT = (
    "En décembre 2023, la Loi sur la gouvernance et la gestion des ressources "
    "informationnelles des organismes publics et des entreprises du gouvernement a été "
    "modifiée afin de donner au ministre de la Cybersécurité et du Numérique la responsabilité "
    "de proposer annuellement au gouvernement un portefeuille de projets prioritaires en "
    "ressources informationnelles aligné sur les priorités gouvernementales en matière de "
    "transformation numérique."
)
_NOTE_1 = (
    "Un programme de projets est considéré comme étant un seul projet qualifié. "
    "Spécifiquement, un programme est autorisé par le Conseil du trésor ou le gouvernement, "
    "selon l’autorité désignée aux Règles relatives à la gestion des projets en ressources "
    "informationnelles, et ce, en fonction d’une portée, d’un échéancier et d’un budget "
    "déterminés."
)
_TABLES = {
    1: (
        "missions",
        "MissionTransformation",
        "Projets visant à transformer les missions de l’État",
        "visant à transformer les missions de l’État",
    ),
    2: (
        "fondations",
        "DigitalFoundations",
        "Projets visant à réaliser des fondations numériques",
        "visant à réaliser des fondations numériques gouvernementales",
    ),
}


@dataclass
class _Org:
    key: str
    name: str
    name_en: str
    acronym: str | None = None
    evidence: str | None = None


@dataclass
class _Legal:
    key: str
    title: str
    title_en: str
    identifier: str
    evidence: str
    legisquebec: str | None = None
    relevant_amendment: str | None = None
    date: str | None = None
    issuer: str | None = None


@dataclass
class _Note:
    number: int
    change: str
    text: str
    merged_project_count: int | None = None
    former_name: str | None = None
    former_co_carrier: str | None = None
    decision: str | None = None


@dataclass
class _Sub:
    number: int
    name: tuple[str, str] | None = None
    in_name_cell: bool = False
    new: bool = False
    completed_in: int | None = None


@dataclass
class _Row:
    table: int
    key: str
    name: str
    name_en: str
    org: _Org
    sentences: list[str]
    subs: list[_Sub] = field(default_factory=list)
    programme: bool = False
    deployment: bool = False
    new: bool = False
    notes: list[int] = field(default_factory=list)
    legal: list[_Legal] = field(default_factory=list)


@dataclass
class _Decision:
    key: str
    title: str
    title_en: str
    evidence: str


def generate(projects: int, *, seed: int = 2025) -> dict[str, bytes]:
    """The files of an edition directory listing ``projects`` initiatives, by relative path.

    The same ``projects`` and ``seed`` give the same bytes.

    :raises ValueError: if ``projects`` < 20 (too few for every kind of row and note).
    """
    if projects < 20:
        raise ValueError(f"at least 20 initiatives, not {projects}")
    plan = _Planner(projects, random.Random(f"portefeuille-bench {seed} {projects}")).plan()
    text = _render_text(plan).encode()
    digest = hashlib.sha256(text).hexdigest()
    return {
        f"{_DIRECTORY}/{_TEXT}": text,
        f"{_DIRECTORY}/curation.yaml": _render_curation(plan).encode(),
        f"{_DIRECTORY}/source.toml": _render_source(digest).encode(),
    }


def write_dataset(directory: Path, projects: int, *, seed: int = 2025) -> Path:
    """Write the synthetic data directory (what ``PORTEFEUILLE_DATA_DIR`` points to)."""
    for name, content in generate(projects, seed=seed).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return directory


@dataclass
class _Plan:
    orgs: list[_Org]
    legal: list[_Legal]
    decisions: list[_Decision]
    notes: list[_Note]
    rows: list[_Row]


class _Planner:
    def __init__(self, projects: int, rng: random.Random) -> None:
        self.n = projects
        self.rng = rng

    def plan(self) -> _Plan:
        orgs = self.organizations()
        legal = self.legal_references(max(2, isqrt(self.n) // 2))
        rows = self.rows(orgs[2:] or orgs)
        decisions, notes = self.notes(rows, orgs)
        self.cite(rows, legal[2:])
        return _Plan(orgs, legal, decisions, notes, rows)

    def organizations(self) -> list[_Org]:
        fixed = [
            _Org(
                "mcn",
                "Ministère de la Cybersécurité et du Numérique",
                "Ministère de la Cybersécurité et du Numérique (Department of Cybersecurity"
                " and Digital Technology)",
                "MCN",
            ),
            _Org(
                "conseil-du-tresor",
                "Conseil du trésor",
                "Conseil du trésor (Treasury Board)",
                evidence="décision du Conseil du trésor",
            ),
        ]
        candidates: list[tuple[str, str]] = []
        for domain, en in _DOMAINS:
            candidates.append((f"Ministère {domain}", f"Department of {en}"))
            candidates += [(f"{body} {domain}", f"{body_en} of {en}") for body, body_en in _BODIES]
        for region in _REGIONS:
            candidates.append(
                (f"Centre intégré de santé et de services sociaux de {region}", f"CISSS {region}")
            )
            candidates.append((f"Centre de services scolaire de {region}", f"CSS {region}"))
            for kind, kind_en in _REGIONAL:
                candidates += [
                    (f"{kind} {domain} – {region}", f"{en} {kind_en}, {region}")
                    for domain, en in _DOMAINS
                ]
        self.rng.shuffle(candidates)
        wanted = min(len(candidates), max(12, 4 * isqrt(self.n)))
        orgs = list(fixed)
        keys = {o.key for o in fixed}
        for name, en in candidates[:wanted]:
            acronym = "".join(w[0] for w in name.replace("–", " ").split() if w[0].isupper())
            key = _slug(acronym) or "org"
            candidate, n = key, 1
            while candidate in keys:
                n += 1
                candidate = f"{key}-{n}"
            keys.add(candidate)
            orgs.append(_Org(candidate, name, f"{name} ({en})", acronym))
        return orgs

    def legal_references(self, count: int) -> list[_Legal]:
        refs = [
            _Legal(
                "rlrq-g-1.03",
                "Loi sur la gouvernance et la gestion des ressources informationnelles des "
                "organismes publics et des entreprises du gouvernement",
                "Act respecting the governance and management of the information resources of "
                "public bodies and government enterprises",
                "RLRQ, chapitre G-1.03",
                "En décembre 2023, la Loi sur la gouvernance et la gestion des ressources "
                "informationnelles",
                legisquebec="https://www.legisquebec.gouv.qc.ca/fr/document/lc/G-1.03",
                relevant_amendment="2023-12",
            ),
            _Legal(
                "regles-gestion-projets-ri",
                "Règles relatives à la gestion des projets en ressources informationnelles",
                "Rules on the management of information-resources projects",
                "Règles relatives à la gestion des projets en ressources informationnelles",
                "Règles relatives à la gestion des projets en ressources informationnelles",
                issuer="conseil-du-tresor",
            ),
        ]
        for i in range(count):
            kind = i % 3
            if kind == 2:
                number, year = 100 + i, 2015 + i % 10
                day, month = 1 + i % 28, 1 + i % 12
                title = f"Décret numéro {number}-{year} du {day} {_MONTHS[month - 1]} {year}"
                refs.append(
                    _Legal(
                        f"decret-{number}-{year}",
                        title,
                        f"Order in Council {number}-{year}",
                        f"Décret {number}-{year}",
                        title[0].lower() + title[1:],
                        date=f"{year}-{month:02d}-{day:02d}",
                    )
                )
                continue
            subject, en = _LAWS[i % len(_LAWS)]
            chapter = f"{'ABCDEFGHIJKLMNOPRSTV'[i % 20]}-{1 + i // 20}.{1 + i % 7}"
            title = f"Loi sur {subject}" + (f" ({chapter})" if i >= len(_LAWS) else "")
            refs.append(
                _Legal(
                    f"rlrq-{_slug(chapter)}",
                    title,
                    en,
                    f"RLRQ, chapitre {chapter}",
                    f"{title}, chapitre {chapter}",
                    legisquebec=f"https://www.legisquebec.gouv.qc.ca/fr/document/lc/{chapter}",
                    relevant_amendment=f"{2010 + i % 15}-{1 + i % 12:02d}" if kind else None,
                )
            )
        return refs

    def rows(self, orgs: Sequence[_Org]) -> list[_Row]:
        rng, rows, remaining, index = self.rng, [], self.n, 0
        while remaining > 0:
            index += 1
            org = orgs[min(len(orgs) - 1, int(rng.paretovariate(1.2)) - 1)]
            if rng.random() < 0.5:
                org = rng.choice(orgs)
            theme, obj = rng.choice(_THEMES), rng.choice(_OBJECTS)
            code = "".join(w[0] for w in f"{theme[0]} {obj[0]}".split() if w[0].isupper())
            code = f"{code or 'P'}-{index}"
            table = 1 if rng.random() < 0.7 else 2
            sentences = [rng.choice(_SENTENCES).format(o=obj[0]) for _ in range(rng.randint(1, 3))]
            row = _Row(
                table,
                f"i{index}",
                f"{theme[0]} {obj[0]} ({code})",
                f"{theme[1]} {obj[1]} ({code})",
                org,
                sentences,
                new=rng.random() < 0.08,
            )
            if remaining >= 4 and rng.random() < 0.39:
                size = min(rng.choice((2, 3, 3, 4, 4, 4, 5, 5, 6, 8)), remaining - 1)
                row.programme = True
                row.name, row.name_en = f"Programme {row.name}", f"{row.name_en} Programme"
                row.deployment = remaining > size + 1 and rng.random() < 0.1
                row.subs = [self.sub(number) for number in range(1, size + 1)]
                remaining -= 1 + size + row.deployment
            else:
                remaining -= 1
            rows.append(row)
        return rows

    def sub(self, number: int) -> _Sub:
        rng = self.rng
        sub = _Sub(number)
        if rng.random() < 0.1:
            sub.completed_in = rng.randint(2019, 2024)
            sub.name = rng.choice(_COMPONENTS)
        elif rng.random() < 0.3:
            sub.name, sub.in_name_cell, sub.new = rng.choice(_COMPONENTS), True, rng.random() < 0.15
        return sub

    def notes(self, rows: list[_Row], orgs: list[_Org]) -> tuple[list[_Decision], list[_Note]]:
        standalone = [r for r in rows if not r.programme]
        wanted = max(2, self.n // 100)
        callers = standalone[:: max(1, len(standalone) // wanted)][:wanted]
        decisions: list[_Decision] = []
        notes: list[_Note] = []
        for i, row in enumerate(callers):
            number = i + 2
            if i % 2 == 0:
                count = 2 + i % 3
                text = f"Les {_NUMBER_WORDS[count]} projets du programme ont été fusionnés pour "
                note = _Note(number, "Merged", text + "former un seul projet.", count)
            else:
                former = f"{self.rng.choice(_THEMES)[0]} {self.rng.choice(_OBJECTS)[0]}"
                carrier = orgs[i % len(orgs)] if i % 4 == 1 else None
                text = f"Le projet était présenté l’année dernière sous le nom « {former} »"
                if carrier is not None:
                    text += f" et était présenté conjointement avec : {carrier.name}"
                note = _Note(number, "Renamed", text + ".", former_name=former)
                note.former_co_carrier = carrier.key if carrier else None
                if i % 4 == 1 or not decisions:
                    decision = _Decision(
                        f"ct-{220000 + i}",
                        f"Décision du Conseil du trésor no {220000 + i} visant l’autorisation de "
                        f"réalisation de la phase d’exécution du projet {row.name}",
                        f"Conseil du trésor decision {220000 + i} authorising the execution phase",
                        f"décision du Conseil du trésor no {220000 + i}",
                    )
                    decisions.append(decision)
                    note.decision = decision.key
                    note.text += f" En conformité à la {decision.evidence}, le projet poursuit."
            row.notes.append(number)
            notes.append(note)
        return decisions, notes

    def cite(self, rows: list[_Row], legal: list[_Legal]) -> None:
        top = [r for r in rows if not r.notes]
        for i, ref in enumerate(legal):
            for row in top[i :: max(1, len(top) // max(1, len(legal)))][:3]:
                if ref not in row.legal:
                    row.legal.append(ref)


def _slug(text: str) -> str:
    return slugify(text)


def _count_word(count: int) -> str:
    return _NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else str(count)


def _render_text(plan: _Plan) -> str:
    stats = {t: [0, 0, 0] for t in _TABLES}  # standalone, programmes, grouped (active)
    for row in plan.rows:
        if row.programme:
            stats[row.table][1] += 1
            stats[row.table][2] += sum(1 for s in row.subs if s.completed_in is None)
        else:
            stats[row.table][0] += 1
    total = sum(s[0] + s[2] for s in stats.values())
    lines = ["Contexte", _CONTEXT]
    lines.append(
        f"Le Portefeuille {EDITION} est composé de {total} projets, "
        "répartis de la manière suivante :"
    )
    for table, (standalone, programmes, grouped) in stats.items():
        note = "1" if table == 1 else ""
        end = ";" if table == 1 else "."
        lines.append(
            f"- {standalone} projets et {programmes} programmes{note}, regroupant {grouped} "
            f"projets {_TABLES[table][3]} (tableau {table}){end}"
        )
    for table, (_, _, title, _) in _TABLES.items():
        lines.append(f"Tableau {table} – {title}")
        lines.append(f"| {title} | Description | Nom de l’organisme responsable |")
        lines.append("|---|---|---|")
        lines += [_row_line(row) for row in plan.rows if row.table == table]
    lines += ["Note", f"1. {_NOTE_1}"]
    lines += [f"{note.number}. {note.text}" for note in plan.notes]
    lines.append("* Il s’agit d’un nouveau projet ou programme intégré au Portefeuille.")
    lines.append("Dernière mise à jour : 12 septembre 2025")
    return "\n".join(lines) + "\n"


def _row_line(row: _Row) -> str:
    name = row.name + ("*" if row.new else "") + "".join(str(n) for n in row.notes[:1])
    for sub in row.subs:
        if sub.in_name_cell and sub.name:
            name += f" Projet {sub.number} : {sub.name[0]}" + ("*" if sub.new else "")
    parts = []
    if row.programme:
        completed = [s for s in row.subs if s.completed_in is not None]
        head = f"Programme de {_count_word(len(row.subs))} projets"
        if row.deployment:
            head += " ainsi qu’un déploiement provincial"
        if completed:
            head += f", dont {_count_word(len(completed))} terminés"
        parts.append(head + ".")
        parts += [
            f"Le projet {s.number} : {s.name[0]} (terminé en {s.completed_in})."
            for s in completed
            if s.name
        ]
    parts += row.sentences
    parts += [f"Ce projet s’appuie sur : {ref.evidence}." for ref in row.legal]
    return f"| {name} | {' '.join(parts)} | {row.org.name} |"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _render_curation(plan: _Plan) -> str:
    out = [
        "# Synthetic curation written by bench/generate.py: do not edit.",
        "repairs: []",
        "organizations:",
    ]
    for org in plan.orgs:
        out += [
            f"  - key: {org.key}",
            f"    name: {_q(org.name)}",
            f"    name_en: {_q(org.name_en)}",
        ]
        if org.acronym:
            out.append(f"    acronym: {_q(org.acronym)}")
        if org.evidence:
            out.append(f"    evidence: {_q(org.evidence)}")
    out += ["publisher: mcn", "legal_references:"]
    for ref in plan.legal:
        out += [f"  - key: {ref.key}", f"    title: {_q(ref.title)}"]
        out += [f"    title_en: {_q(ref.title_en)}", f"    identifier: {_q(ref.identifier)}"]
        if ref.legisquebec:
            out.append(f"    legisquebec: {_q(ref.legisquebec)}")
        if ref.relevant_amendment:
            out.append(f"    relevant_amendment: {_q(ref.relevant_amendment)}")
        if ref.date:
            out.append(f"    date: {ref.date}")
        if ref.issuer:
            out.append(f"    issuer: {ref.issuer}")
        out.append(f"    evidence: {_q(ref.evidence)}")
    out += [
        "edition_legal_basis: [rlrq-g-1.03, regles-gestion-projets-ri]",
        "programme_legal_basis: [regles-gestion-projets-ri]",
        "decisions:" if plan.decisions else "decisions: []",
    ]
    for d in plan.decisions:
        out += [f"  - key: {d.key}", f"    title: {_q(d.title)}", f"    title_en: {_q(d.title_en)}"]
        out += ["    maker: conseil-du-tresor", f"    evidence: {_q(d.evidence)}"]
    out.append("tables:")
    out += [f"  {n}: {{key: {key}, axis: {axis}}}" for n, (key, axis, _, _) in _TABLES.items()]
    out.append("notes:" if plan.notes else "notes: {}")
    for note in plan.notes:
        facts = [f"change: {note.change}"]
        if note.merged_project_count is not None:
            facts.append(f"merged_project_count: {note.merged_project_count}")
        if note.former_name is not None:
            facts.append(f"former_name: {_q(note.former_name)}")
        if note.former_co_carrier is not None:
            facts.append(f"former_co_carrier: {note.former_co_carrier}")
        if note.decision is not None:
            facts.append(f"decision: {note.decision}")
        out.append(f"  {note.number}: {{{', '.join(facts)}}}")
    out.append("initiatives:")
    for row in plan.rows:
        out += [
            f"  - key: {row.key}",
            f"    name: {_q(row.name)}",
            f"    name_en: {_q(row.name_en)}",
        ]
        named = [s for s in row.subs if s.name]
        if named:
            out.append("    projects:")
            out += [f"      {s.number}: {_q(s.name[1])}" for s in named if s.name]
        if row.deployment:
            out += [
                "    extra:",
                f"      - key: {row.key}-deploiement-provincial",
                '        name: "Déploiement provincial"',
                '        name_en: "Provincial deployment"',
                '        evidence: "ainsi qu’un déploiement provincial"',
            ]
        if row.legal:
            out.append(f"    legal_basis: [{', '.join(ref.key for ref in row.legal)}]")
    return "\n".join(out) + "\n"


def _render_source(digest: str) -> str:
    return "\n".join(
        [
            "# Synthetic source written by bench/generate.py: do not edit.",
            f'edition = "{EDITION}"',
            'layout = "quebec-ca-2025"',
            f'file = "{_TEXT}"',
            f'sha256 = "{digest}"',
            f'title = "Portefeuille de projets prioritaires (synthétique) {EDITION}"',
            'url = "https://example.org/portefeuille-synthetique"',
            'publisher = "Ministère de la Cybersécurité et du Numérique"',
            "modified = 2025-09-12",
            'licence = "https://creativecommons.org/licenses/by/4.0/"',
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.generate --projects 1000 --out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--projects", type=int, default=1_000, help="initiatives listed")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, required=True, help="the data directory to write")
    args = parser.parse_args(argv)
    write_dataset(args.out, args.projects, seed=args.seed)
    print(args.out)


if __name__ == "__main__":
    main()
