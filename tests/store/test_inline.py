"""`InlineAnswers`: a small ``DESCRIBE`` answered in the server, exactly as a worker answers it.

The data has blank nodes, so both sides open one on-disk store (`WorkerSpec.disk`): each
parse names blank nodes anew, a store opened twice names them once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portefeuille_ld.errors import NotAcceptable, PortefeuilleError, StoreBusy
from portefeuille_ld.formats import N_TRIPLES
from portefeuille_ld.store.base import QueryResult, StoreStatistics
from portefeuille_ld.store.inline import InlineAnswers, describe_shape
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.store.ondisk import write_disk_store
from portefeuille_ld.store.pool import Pool, PoolLimits
from portefeuille_ld.store.sources import FilesSource
from portefeuille_ld.store.worker import QueryCall, WorkerSpec

EX = "http://ex.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) {" + " .".join(f" ?s{i} ?p{i} ?o{i}" for i in range(8)) + " }"
"""8^70 solutions to count: it runs until its time limit."""
BUDGET = 10
MAX_BYTES = 1_000
LIMITS = PoolLimits(workers=1, timeout_s=5, max_queued=4)


def _data() -> str:
    """``small`` (3 quads, one through a blank node, in two graphs and the default graph),
    ``hub`` (40 quads), ``chain`` (a line of 20 blank nodes) and ``big`` (a 2,000-byte
    literal); ``other`` points at ``small`` (incoming triples are not described)."""
    lines = [
        f'<{EX}small> <{EX}p> "x" <{EX}g1> .',
        f"<{EX}small> <{EX}q> _:b1 <{EX}g1> .",
        f'_:b1 <{EX}p> "y"@fr <{EX}g2> .',
        f'<{EX}small> <{EX}p> "in the default graph" .',
        f"<{EX}other> <{EX}p> <{EX}small> <{EX}g1> .",
        f'<{EX}big> <{EX}p> "{"z" * 2_000}" <{EX}g1> .',
        f"<{EX}chain> <{EX}p> _:c0 <{EX}g1> .",
    ]
    lines += [f'<{EX}hub> <{EX}p> "v{i}" <{EX}g{i % 2}> .' for i in range(40)]
    lines += [f"_:c{i} <{EX}p> _:c{i + 1} <{EX}g1> ." for i in range(20)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> WorkerSpec:
    directory = tmp_path_factory.mktemp("inline")
    (directory / "data.nq").write_text(_data())
    write_disk_store(directory / "store", [directory / "data.nq"])
    return WorkerSpec(directory / "store", max_result_bytes=100_000)


@pytest.fixture(scope="module")
def pool(spec: WorkerSpec) -> Iterator[tuple[Pool, StoreStatistics]]:
    opened = Pool(spec, LIMITS)
    statistics = opened.start()
    yield opened, statistics
    opened.close()


@pytest.fixture(scope="module")
def inline(
    spec: WorkerSpec, pool: tuple[Pool, StoreStatistics], wait_until: Callable[..., bool]
) -> Iterator[InlineAnswers]:
    answers = InlineAnswers(spec, pool[1], budget=BUDGET, max_bytes=MAX_BYTES)
    assert wait_until(answers.ready)
    yield answers
    answers.close()


def _worker(pool: tuple[Pool, StoreStatistics], sparql: str, accept: str) -> QueryResult:
    return pool[0].run(QueryCall.of(sparql, accept, (), ())).unwrap()


@pytest.mark.parametrize(
    ("sparql", "iris"),
    [
        pytest.param(f"DESCRIBE <{EX}a>", (f"{EX}a",), id="one"),
        pytest.param(f"\n describe<{EX}a>\t<{EX}b> \r\n", (f"{EX}a", f"{EX}b"), id="two-spaced"),
        pytest.param("DESCRIBE <a>", ("a",), id="relative-as-written"),
        pytest.param(f"DESCRIBE <{EX}a> WHERE {{ }}", None, id="where"),
        pytest.param(f"DESCRIBE <{EX}a> {{ ?s ?p ?o }}", None, id="group"),
        pytest.param(f"DESCRIBE <{EX}a> FROM <{EX}g1>", None, id="from"),
        pytest.param(f"BASE <{EX}> DESCRIBE <a>", None, id="base"),
        pytest.param("PREFIX ex: <http://ex.org/> DESCRIBE ex:a", None, id="prefixed-name"),
        pytest.param("DESCRIBE ?s", None, id="variable"),
        pytest.param("DESCRIBE *", None, id="star"),
        pytest.param(f"DESCRIBE <{EX}a> # a comment", None, id="comment"),
        pytest.param(f"DESCRIBE <{EX}a b>", None, id="space-in-iri"),
        pytest.param(f"DESCRIBE <{EX}\\u0061>", None, id="escape-in-iri"),
        pytest.param("DESCRIBE", None, id="no-iri"),
        pytest.param(f"SELECT * {{ <{EX}a> ?p ?o }}", None, id="select"),
        pytest.param(f"DESCRIBE <{EX}a> LIMIT 1", None, id="limit"),
    ],
)
def test_describe_shape(sparql: str, iris: tuple[str, ...] | None) -> None:
    assert describe_shape(sparql) == iris


@pytest.mark.parametrize(
    ("sparql", "accept"),
    [
        pytest.param(f"DESCRIBE <{EX}small>", "application/n-triples", id="n-triples"),
        pytest.param(f"DESCRIBE <{EX}small>", "text/turtle", id="turtle"),
        pytest.param(f"DESCRIBE <{EX}small>", "application/ld+json", id="json-ld"),
        pytest.param(f"DESCRIBE <{EX}small>", "application/rdf+xml", id="rdf-xml"),
        pytest.param(f"DESCRIBE <{EX}small>", "*/*", id="any"),
        pytest.param(f"DESCRIBE <{EX}small>", "text/csv;q=0.9, text/turtle;q=0.5", id="conneg"),
        pytest.param(f"describe <{EX}small> <{EX}other>", "text/turtle", id="two-iris"),
        pytest.param(f"DESCRIBE <{EX}nothing>", "application/n-triples", id="unknown-iri"),
    ],
)
def test_a_small_description_is_the_workers_answer(
    inline: InlineAnswers, pool: tuple[Pool, StoreStatistics], sparql: str, accept: str
) -> None:
    answered = inline.answer(sparql, accept)
    assert answered is not None
    assert answered == _worker(pool, sparql, accept)


def test_blank_nodes_are_followed_and_incoming_triples_left_out(inline: InlineAnswers) -> None:
    answered = inline.answer(f"DESCRIBE <{EX}small>", "application/n-triples")
    assert answered is not None
    lines = answered.body.decode().splitlines()
    assert len(lines) == 4
    assert any('"y"@fr' in line for line in lines)
    assert not any(line.startswith(f"<{EX}other>") for line in lines)


@pytest.mark.parametrize("accept", ["text/csv", "image/png"])
def test_an_unacceptable_format_is_the_workers_error(
    inline: InlineAnswers, pool: tuple[Pool, StoreStatistics], accept: str
) -> None:
    sparql = f"DESCRIBE <{EX}small>"
    with pytest.raises(NotAcceptable) as worker:
        _worker(pool, sparql, accept)
    with pytest.raises(NotAcceptable) as here:
        inline.answer(sparql, accept)
    assert str(here.value) == str(worker.value)


@pytest.mark.parametrize(
    ("sparql", "datasets"),
    [
        pytest.param(f"DESCRIBE <{EX}hub>", ((), ()), id="more-quads-than-the-budget"),
        pytest.param(f"DESCRIBE <{EX}chain>", ((), ()), id="blank-node-chain-past-the-budget"),
        pytest.param(f"DESCRIBE <{EX}small> <{EX}hub>", ((), ()), id="budget-over-all-iris"),
        pytest.param(f"DESCRIBE <{EX}big>", ((), ()), id="answer-past-max-bytes"),
        pytest.param(
            "DESCRIBE " + " ".join(f"<{EX}none{i}>" for i in range(BUDGET + 1)),
            ((), ()),
            id="each-lookup-counts",
        ),
        pytest.param("DESCRIBE <small>", ((), ()), id="relative-iri"),
        pytest.param(f"DESCRIBE <{EX}small> WHERE {{}}", ((), ()), id="where"),
        pytest.param(f"DESCRIBE <{EX}small>", ((f"{EX}g1",), ()), id="default-graph-uri"),
        pytest.param(f"DESCRIBE <{EX}small>", ((), (f"{EX}g1",)), id="named-graph-uri"),
        pytest.param(f"SELECT * {{ <{EX}small> ?p ?o }}", ((), ()), id="select"),
    ],
)
def test_other_queries_are_left_to_the_workers(
    inline: InlineAnswers, sparql: str, datasets: tuple[tuple[str, ...], tuple[str, ...]]
) -> None:
    assert inline.answer(sparql, "text/turtle", *datasets) is None


def test_a_closed_store_answers_nothing(
    spec: WorkerSpec, pool: tuple[Pool, StoreStatistics], wait_until: Callable[..., bool]
) -> None:
    answers = InlineAnswers(spec, pool[1])
    assert wait_until(answers.ready)
    answers.close()
    assert not answers.ready()
    assert answers.answer(f"DESCRIBE <{EX}small>", "*/*") is None


@pytest.fixture
def busy_store(spec: WorkerSpec, wait_until: Callable[..., bool]) -> Iterator[IsolatedStore]:
    """A one-worker store, no wait queue, answering inline, whose worker runs a runaway query."""
    source = FilesSource([Path(str(spec.disk)).parent / "data.nq"])
    limits = PoolLimits(workers=1, timeout_s=5, max_queued=0)
    opened = IsolatedStore(source, limits, inline_quads=BUDGET)
    errors: list[PortefeuilleError] = []

    def runaway() -> None:
        while True:
            try:
                opened.query(RUNAWAY)
            except StoreBusy:
                continue  # a polling ASK had the worker: try again
            except PortefeuilleError as exc:
                errors.append(exc)
                return

    thread = threading.Thread(target=runaway)
    try:
        assert wait_until(opened.answers_inline)
        thread.start()
        assert wait_until(lambda: _turned_away(opened))
        yield opened
    finally:
        thread.join()
        wait_until(lambda: len(opened.worker_pids()) == 1)  # replaced before its data goes
        opened.close()
    assert len(errors) == 1


def _turned_away(store: IsolatedStore) -> bool:
    try:
        store.query("ASK {}")
    except StoreBusy:
        return True
    return False


def test_a_small_describe_takes_no_worker(busy_store: IsolatedStore) -> None:
    answered = busy_store.query(f"DESCRIBE <{EX}small>", accept="text/turtle")
    assert answered.media_type == "text/turtle"
    with pytest.raises(StoreBusy):
        busy_store.query(f"DESCRIBE <{EX}hub>", accept="text/turtle")


def test_a_format_is_accepted_as_well_as_a_header(busy_store: IsolatedStore) -> None:
    answered = busy_store.query(f"DESCRIBE <{EX}small>", accept=N_TRIPLES)
    assert answered.media_type == N_TRIPLES.media_type
