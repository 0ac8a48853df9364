"""Long lists cut to size: the home page's preview of each list, and its full listing in pages.

The home page lists the latest edition by organization, programme and table (`Group`
values of `HomeData`). A large portfolio would make that page megabytes long, so the home
page shows `preview` of each list (the first groups, the first members of each) and links
to the full listing, ``/liste/{section}?page=N``, `paginate`\\ d by members: a group whose
members run over a page boundary is continued on the next page.

>>> from portefeuille_ld.home_data import Label
>>> def item(n: int) -> Item:
...     return Item(f"http://ex.org/{n}", Label(str(n), ""))
>>> groups = (Group(item(0), tuple(item(i) for i in range(1, 6))), Group(item(9), ()))
>>> page = paginate(groups, 1, size=3)
>>> page.pages, [(g.head.iri, len(g.members), g.continued) for g in page.groups]
(2, [('http://ex.org/0', 3, False)])
>>> [(g.index, len(g.members), g.continued) for g in paginate(groups, 2, size=3).groups]
[(0, 2, True), (1, 0, False)]
>>> [(g.page, g.hidden) for g in preview(groups, max_groups=5, max_members=4, size=3)]
[(2, 1), (2, 0)]
"""

from __future__ import annotations

from dataclasses import dataclass

from portefeuille_ld.home_data import Group, Item

__all__ = [
    "HOME_GROUPS",
    "HOME_MEMBERS",
    "PAGE_SIZE",
    "GroupSlice",
    "ListingPage",
    "page_count",
    "pager",
    "paginate",
    "preview",
]

HOME_GROUPS = 20
"""Groups the home page shows of each list (the real edition has 14 organizations)."""
HOME_MEMBERS = 20
"""Members the home page shows of each group (the real edition's largest has 13)."""
PAGE_SIZE = 200
"""Members on one page of a full listing (a group without members counts as one)."""


@dataclass(frozen=True)
class GroupSlice:
    """The part of a group shown on one page."""

    head: Item
    members: tuple[Item, ...]
    index: int
    """The group's rank in its list, from 0 (the anchor ``g{index}`` of the listing)."""
    total: int
    """The group's members, shown or not."""
    continued: bool = False
    """Whether the group began on an earlier page."""
    page: int = 1
    """In a listing, the page where the group begins; in a preview, the page where its
    first member left out is."""

    @property
    def hidden(self) -> int:
        """Members of the group not shown here (on the home page: in the listing)."""
        return self.total - len(self.members)


@dataclass(frozen=True)
class ListingPage:
    """One page of a full listing."""

    groups: tuple[GroupSlice, ...]
    page: int
    pages: int
    total_groups: int
    total_members: int


def _rows(group: Group) -> int:
    return max(len(group.members), 1)


def _starts(groups: tuple[Group, ...]) -> list[int]:
    """The row where each group begins."""
    starts, row = [], 0
    for group in groups:
        starts.append(row)
        row += _rows(group)
    return starts


def page_count(groups: tuple[Group, ...], *, size: int = PAGE_SIZE) -> int:
    """How many pages the full listing of ``groups`` has (at least one)."""
    rows = sum(_rows(g) for g in groups)
    return max(1, -(-rows // size))


def paginate(groups: tuple[Group, ...], page: int, *, size: int = PAGE_SIZE) -> ListingPage:
    """Page ``page`` (from 1) of the listing: ``size`` members, whole groups cut where
    the page ends. A page past the last has no groups."""
    first, last = (page - 1) * size, page * size
    shown = []
    for index, (group, start) in enumerate(zip(groups, _starts(groups), strict=True)):
        end = start + _rows(group)
        if end <= first or start >= last:
            continue
        members = group.members[max(first - start, 0) : last - start]
        shown.append(
            GroupSlice(
                group.head, members, index, len(group.members), start < first, start // size + 1
            )
        )
    return ListingPage(
        tuple(shown),
        page,
        page_count(groups, size=size),
        len(groups),
        sum(len(g.members) for g in groups),
    )


def preview(
    groups: tuple[Group, ...],
    *,
    max_groups: int = HOME_GROUPS,
    max_members: int = HOME_MEMBERS,
    size: int = PAGE_SIZE,
) -> tuple[GroupSlice, ...]:
    """The first ``max_groups`` groups with their first ``max_members`` members, each
    knowing the listing page of its first member left out (for the link to the rest)."""
    starts = _starts(groups)
    return tuple(
        GroupSlice(
            g.head,
            g.members[:max_members],
            i,
            len(g.members),
            False,
            (starts[i] + min(len(g.members), max_members)) // size + 1,
        )
        for i, g in enumerate(groups[:max_groups])
    )


def pager(page: int, pages: int, *, around: int = 2) -> tuple[int | None, ...]:
    """The page numbers a pager links to: the first, the last and those ``around`` the
    current one; None where numbers are left out.

    >>> pager(1, 3)
    (1, 2, 3)
    >>> pager(10, 50)
    (1, None, 8, 9, 10, 11, 12, None, 50)
    """
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return tuple(out)
