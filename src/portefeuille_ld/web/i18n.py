"""The two languages of the pages: which one a request wants, and every message in both.

French is the default; English is chosen by ``?lang=en`` (a link can carry it, and it
wins) or by an ``Accept-Language`` header that prefers English.

>>> choose_language(param=None, accept_language="en-CA,en;q=0.9,fr;q=0.5")
'en'
>>> choose_language(param="fr", accept_language="en")
'fr'
>>> message("nav.home", "en")
'Home'
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "MESSAGES",
    "Lang",
    "choose_language",
    "message",
    "other_language",
]

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANGUAGE: Lang = "fr"

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (français, English)
    "site.name": (
        "Portefeuille de projets prioritaires en RI",
        "Portfolio of priority IT projects",
    ),
    "nav.label": ("Navigation principale", "Main navigation"),
    "nav.skip": ("Aller au contenu", "Skip to content"),
    "nav.home": ("Accueil", "Home"),
    "nav.sparql": ("Requête SPARQL", "SPARQL query"),
    "nav.dataset": ("Jeu de données", "Dataset"),
    "nav.other_language": ("English", "Français"),
    "footer.data": (
        "Données : gouvernement du Québec, licence CC BY 4.0",
        "Data: Government of Québec, licence CC BY 4.0",
    ),
    "footer.code": ("Code : licence MIT", "Code: MIT licence"),
    "resource.iri": ("IRI", "IRI"),
    "resource.types": ("Types", "Types"),
    "resource.properties": ("Propriétés", "Properties"),
    "resource.property": ("Propriété", "Property"),
    "resource.values": ("Valeurs", "Values"),
    "resource.inverse": ("Liens entrants", "Referenced by"),
    "resource.inverse_help": (
        "Les ressources qui pointent vers celle-ci, regroupées par propriété.",
        "The resources that point to this one, grouped by property.",
    ),
    "resource.truncated": (
        "{shown} sur {total} sont affichés.",
        "{shown} of {total} are shown.",
    ),
    "resource.all_by_sparql": ("Tous, par une requête SPARQL", "All of them, by a SPARQL query"),
    "resource.formats": ("Cette description en", "This description as"),
    "resource.portfolio": ("Place dans le portefeuille", "Place in the portfolio"),
    "entry.entry": ("Inscription", "Entry"),
    "entry.edition": ("Édition", "Edition"),
    "entry.table": ("Tableau", "Table"),
    "entry.position": ("Rang", "Position"),
    "entry.status": ("Statut", "Status"),
    "entry.change": ("Changement", "Change"),
    "entry.notes": ("Notes", "Notes"),
    "graph.title": ("Graphe nommé", "Named graph"),
    "graph.triples": ("{n} triplets", "{n} triples"),
    "graph.query": ("Interroger ce graphe", "Query this graph"),
    "ontology.classes": ("Classes", "Classes"),
    "ontology.object_properties": ("Propriétés d’objet", "Object properties"),
    "ontology.datatype_properties": ("Propriétés de données", "Datatype properties"),
    "ontology.schemes": ("Schémas de concepts", "Concept schemes"),
    "ontology.shapes": ("Formes SHACL", "SHACL shapes"),
    "ontology.node_shapes": ("Formes des classes", "Class shapes"),
    "ontology.property_shapes": ("Formes des propriétés", "Property shapes"),
    "ontology.sparql_constraints": ("Contraintes SPARQL", "SPARQL constraints"),
    "ontology.contents": ("Sommaire", "Contents"),
    "ontology.concepts": ("Concepts", "Concepts"),
    "ontology.path": ("Chemin", "Path"),
    "ontology.cardinality": ("Cardinalité", "Cardinality"),
    "ontology.value": ("Valeur attendue", "Expected value"),
    "ontology.other": ("Autres termes", "Other terms"),
    "notfound.title": ("Ressource introuvable", "Resource not found"),
    "notfound.body": (
        "Aucune ressource de ce jeu de données n’a l’IRI {iri}.",
        "No resource of this dataset has the IRI {iri}.",
    ),
    "notfound.hint": (
        "Vérifiez l’adresse, ou partez de l’accueil ou du point d’accès SPARQL.",
        "Check the address, or start from the home page or the SPARQL endpoint.",
    ),
    # home, query page, dumps and dataset pages
    "home.intro": (
        "Le portefeuille de projets prioritaires en ressources informationnelles du "
        "gouvernement du Québec : ses programmes, ses projets et sous-projets, les organismes "
        "qui en sont responsables et leurs fondements juridiques, tirés du texte officiel "
        "publié sur Québec.ca.",
        "The Government of Québec's portfolio of priority information-resources projects: "
        "its programmes, projects and sub-projects, the organizations responsible for them "
        "and their legal bases, taken from the official text published on Québec.ca.",
    ),
    "home.intro_ld": (
        "Chaque programme, projet, organisme et concept a un IRI qu’on peut consulter ici, "
        "en HTML ou en RDF ; le tout s’interroge en SPARQL et se télécharge en entier.",
        "Every programme, project, organization and concept has an IRI you can look up "
        "here, as HTML or RDF; all of it can be queried with SPARQL and downloaded whole.",
    ),
    "home.figures": ("L’édition {edition} en chiffres", "The {edition} edition in figures"),
    "home.figures_note": (
        "Ces nombres sont calculés par des requêtes SPARQL sur les données publiées.",
        "These figures are computed by SPARQL queries over the published data.",
    ),
    "home.active_projects": ("Projets actifs", "Active projects"),
    "home.programmes": ("Programmes", "Programmes"),
    "home.organizations": ("Organismes responsables", "Responsible organizations"),
    "home.triples": ("Triplets RDF", "RDF triples"),
    "home.editions": ("Éditions", "Editions"),
    "home.access": ("Interroger et télécharger", "Query and download"),
    "home.query_page": ("Requête SPARQL", "SPARQL query"),
    "home.query_page_help": (
        "un éditeur, des exemples prêts à lancer et les résultats dans tous les formats.",
        "an editor, ready-to-run examples and the results in every format.",
    ),
    "home.dataset": ("Description du jeu de données", "Description of the dataset"),
    "home.dumps": ("Fichiers complets", "Full downloads"),
    "home.release": ("version {release}", "release {release}"),
    "home.browse": ("Parcourir l’édition {edition}", "Browse the {edition} edition"),
    "home.by_organization": ("Par organisme responsable", "By responsible organization"),
    "home.by_programme": (
        "Par programme, avec ses sous-projets",
        "By programme, with its sub-projects",
    ),
    "home.by_table": ("Par tableau", "By table"),
    "home.more": ("… et {n} autres", "… and {n} more"),
    "home.all_groups": ("La liste complète ({n} au total)", "The full list ({n} in all)"),
    "listing.title": ("{section} — édition {edition}", "{section} — {edition} edition"),
    "listing.summary": (
        "{members} inscriptions en {groups} groupes ; page {page} de {pages}.",
        "{members} entries in {groups} groups; page {page} of {pages}.",
    ),
    "listing.pages": ("Pages", "Pages"),
    "listing.page": ("Page", "Page"),
    "listing.previous": ("Page précédente", "Previous page"),
    "listing.next": ("Page suivante", "Next page"),
    "listing.continued": ("(suite)", "(continued)"),
    "query.title": ("Requête SPARQL", "SPARQL query"),
    "query.intro": (
        "Interrogez le portefeuille en SPARQL 1.1 (lecture seule). Le graphe par défaut est "
        "l’union des éditions.",
        "Query the portfolio with SPARQL 1.1 (read-only). The default graph is the union of "
        "the editions.",
    ),
    "query.examples": ("Exemples", "Examples"),
    "query.examples_help": (
        "Les questions auxquelles le jeu de données répond ; un clic lance la requête.",
        "The questions the dataset answers; one click runs the query.",
    ),
    "query.editor": ("Éditeur", "Editor"),
    "query.label": ("Requête", "Query"),
    "query.help": (
        "Ctrl+Entrée (⌘+Entrée) lance la requête.",
        "Ctrl+Enter (⌘+Enter) runs the query.",
    ),
    "query.format": ("Format", "Format"),
    "query.format_auto": ("Automatique (tableau ici)", "Automatic (a table here)"),
    "query.results_formats": ("Résultats (SELECT, ASK)", "Results (SELECT, ASK)"),
    "query.graph_formats": ("Graphe (CONSTRUCT, DESCRIBE)", "Graph (CONSTRUCT, DESCRIBE)"),
    "query.run": ("Exécuter", "Run"),
    "query.results": ("Résultats", "Results"),
    "query.no_results_yet": (
        "Lancez une requête pour voir ses résultats ici.",
        "Run a query to see its results here.",
    ),
    "query.download": ("Télécharger les résultats :", "Download the results:"),
    "query.running": ("Requête en cours…", "Running the query…"),
    "query.rows": ("{n} ligne(s)", "{n} row(s)"),
    "query.triples": ("{n} triplet(s)", "{n} triple(s)"),
    "query.true": ("Vrai", "True"),
    "query.false": ("Faux", "False"),
    "query.error": ("Erreur {status} :", "Error {status}:"),
    "query.network": ("Le serveur ne répond pas :", "The server does not answer:"),
    "query.caption": ("Résultats de la requête", "Query results"),
    "query.subject": ("Sujet", "Subject"),
    "query.predicate": ("Prédicat", "Predicate"),
    "query.object": ("Objet", "Object"),
    "dumps.title": ("Fichiers complets", "Full downloads"),
    "dumps.intro": (
        "Les fichiers de la version {release} (construite le {date}), avec leur taille et "
        "leur somme SHA-256.",
        "The files of release {release} (built on {date}), with their size and SHA-256.",
    ),
    "dumps.caption": ("Fichiers de la version courante", "Files of the current release"),
    "dumps.file": ("Fichier", "File"),
    "dumps.media_type": ("Type de média", "Media type"),
    "dumps.size": ("Taille", "Size"),
    "dumps.check": ("Pour vérifier les fichiers :", "To check the files:"),
    "dumps.described_by": ("Description du jeu de données", "Description of the dataset"),
    "dataset.title": ("Jeu de données", "Dataset"),
    "dataset.as": ("Cette description en", "This description as"),
    "dataset.iri": ("IRI du jeu de données :", "IRI of the dataset:"),
    "dataset.figures": ("Statistiques (VoID)", "Statistics (VoID)"),
    "dataset.facts": ("Renseignements", "Facts"),
    "dataset.fact.publisher": ("Éditeur", "Publisher"),
    "dataset.fact.licence": ("Licence", "Licence"),
    "dataset.fact.issued": ("Publié le", "Issued"),
    "dataset.fact.modified": ("Modifié le", "Modified"),
    "dataset.fact.sparql": ("Point d’accès SPARQL", "SPARQL endpoint"),
    "dataset.fact.source": ("Source officielle", "Official source"),
    "dataset.distributions": ("Distributions", "Distributions"),
    "dataset.distribution": ("Distribution", "Distribution"),
    "dataset.subsets": ("Éditions (graphes nommés)", "Editions (named graphs)"),
    "void.triples": ("Triplets", "Triples"),
    "void.entities": ("Entités", "Entities"),
    "void.classes": ("Classes", "Classes"),
    "void.properties": ("Propriétés", "Properties"),
    "void.distinctSubjects": ("Sujets distincts", "Distinct subjects"),
    "void.distinctObjects": ("Objets distincts", "Distinct objects"),
}
"""Every message of the pages, in French and in English (a test checks both are set)."""


def message(key: str, lang: Lang, **values: object) -> str:
    """The message ``key`` in ``lang``, with ``{name}`` placeholders filled in.

    >>> message("graph.triples", "fr", n=3)
    '3 triplets'

    :raises KeyError: no message has this key.
    """
    text = MESSAGES[key][LANGUAGES.index(lang)]
    return text.format(**values) if values else text


def other_language(lang: Lang) -> Lang:
    """The language a page offers to switch to.

    >>> other_language("fr")
    'en'
    """
    return "en" if lang == "fr" else "fr"


def _as_lang(tag: str) -> Lang | None:
    primary = tag.strip().lower().split("-", 1)[0]
    return next((lang for lang in LANGUAGES if lang == primary), None)


def _preferred(accept_language: str) -> Lang | None:
    """The language with the highest quality in an ``Accept-Language`` header (RFC 9110)."""
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(accept_language.split(",")):
        tag, *params = part.split(";")
        lang = _as_lang(tag)
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang is not None and q > 0 and (best is None or (q, -position) > best[:2]):
            best = (q, -position, lang)
    return None if best is None else best[2]


def choose_language(*, param: str | None, accept_language: str | None) -> Lang:
    """The page language: the ``lang`` parameter, else ``Accept-Language``, else French.

    >>> choose_language(param=None, accept_language=None)
    'fr'
    >>> choose_language(param=None, accept_language="de, en;q=0.8, fr;q=0.7")
    'en'
    >>> choose_language(param=None, accept_language="en;q=0.3, fr-CA;q=0.9")
    'fr'
    >>> choose_language(param="xx", accept_language="en")
    'en'
    """
    if param is not None and (chosen := _as_lang(param)) is not None:
        return chosen
    return _preferred(accept_language or "") or DEFAULT_LANGUAGE
