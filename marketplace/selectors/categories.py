"""The category tree, cached per process for a minute (it changes a few times a year)."""

from __future__ import annotations

from dataclasses import dataclass, field

from marketplace.infrastructure.process_cache import ProcessCache
from marketplace.models import Category

TREE_TTL_SECONDS = 60.0


@dataclass
class CategoryNode:
    """A category with its children, in display order."""

    id: int
    slug: str
    name: str
    name_en: str
    parent_id: int | None
    position: int
    children: list[CategoryNode] = field(default_factory=list)


@dataclass
class CategoryTree:
    roots: list[CategoryNode]
    by_slug: dict[str, CategoryNode]
    by_id: dict[int, CategoryNode]

    def subtree_ids(self, slug: str) -> list[int] | None:
        """The category and all its descendants; None for an unknown slug."""
        node = self.by_slug.get(slug)
        if node is None:
            return None
        ids: list[int] = []
        stack = [node]
        while stack:
            current = stack.pop()
            ids.append(current.id)
            stack.extend(current.children)
        return sorted(ids)


def category_tree_build() -> CategoryTree:
    """One query; nodes whose parent chain is broken are ignored (the admin prevents it)."""
    nodes = [
        CategoryNode(id=pk, slug=slug, name=name, name_en=name_en, parent_id=parent_id, position=position)
        for pk, slug, name, name_en, parent_id, position in Category.objects.order_by(
            "position", "name"
        ).values_list("id", "slug", "name", "name_en", "parent_id", "position")
    ]
    by_id = {node.id: node for node in nodes}
    roots = []
    for node in nodes:
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return CategoryTree(roots=roots, by_slug={node.slug: node for node in nodes}, by_id=by_id)


_TREE: ProcessCache[CategoryTree] = ProcessCache("category-tree", ttl_seconds=TREE_TTL_SECONDS)


def category_tree(*, refresh: bool = False) -> CategoryTree:
    """The cached tree (rebuilt after a minute, or when `refresh`)."""
    return _TREE.get(category_tree_build, refresh=refresh)


def category_subtree_ids(slug: str) -> list[int] | None:
    """Ids of the category `slug` and its descendants; an unknown slug re-reads the tree once."""
    ids = category_tree().subtree_ids(slug)
    if ids is None:
        ids = category_tree(refresh=True).subtree_ids(slug)
    return ids


def category_tree_clear() -> None:
    _TREE.clear()
