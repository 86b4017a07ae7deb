"""``buffr.pycache`` removes the bytecode of source trees that are gone and keeps the rest."""

from __future__ import annotations

from pathlib import Path

from buffr.pycache import main, prune


def _mirror(prefix: Path, source: Path) -> Path:
    mirror = prefix / source.relative_to("/")
    mirror.mkdir(parents=True)
    (mirror / "module.cpython-311.pyc").write_bytes(b"bytecode")
    return mirror


def _depth(path: Path) -> int:
    return len(path.parts) - 1  # "/" is a part


def test_prune_removes_the_trees_of_deleted_clones_only(tmp_path: Path) -> None:
    prefix = tmp_path / "pycache"
    kept_clone = tmp_path / "clones" / "kept"
    (kept_clone / "agents").mkdir(parents=True)
    kept = _mirror(prefix, kept_clone / "agents")
    deleted = _mirror(prefix, tmp_path / "clones" / "deleted" / "agents")
    gone_module = _mirror(prefix, kept_clone / "old_module")

    removed = prune(prefix, max_depth=_depth(tmp_path) + 3)

    assert sorted(removed) == sorted([deleted.parent, gone_module])
    assert (kept / "module.cpython-311.pyc").exists()
    assert not deleted.parent.exists() and not gone_module.exists()


def test_prune_stops_at_the_depth_limit(tmp_path: Path) -> None:
    prefix = tmp_path / "pycache"
    deep = _mirror(prefix, tmp_path / "a" / "b")  # tmp_path is several levels deep already
    assert prune(prefix, max_depth=1) == []
    assert deep.exists()
    assert prune(prefix, max_depth=_depth(tmp_path) + 1) == [deep.parent]


def test_prune_leaves_a_tree_with_anything_but_bytecode(tmp_path: Path) -> None:
    """A wrong prefix (a home folder, say) must not lose a document or a link."""
    prefix = tmp_path / "pycache"
    documents = _mirror(prefix, tmp_path / "gone" / "Documents")
    (documents / "notes.txt").write_text("keep me")
    linked = _mirror(prefix, tmp_path / "gone2" / "pkg")
    (linked / "elsewhere.pyc").symlink_to(tmp_path)
    assert prune(prefix, max_depth=_depth(tmp_path) + 3) == []
    assert (documents / "notes.txt").read_text() == "keep me"
    assert (linked / "elsewhere.pyc").is_symlink()


def test_main_refuses_a_relative_prefix(tmp_path: Path) -> None:
    assert main(["relative/pycache"]) == 2
    assert main([str(tmp_path / "absent")]) == 0
