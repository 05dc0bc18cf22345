import os

from generator.swap import recover, staging_path, swap_in


def test_swap_replaces_whole_folder(tmp_path):
    target = tmp_path / "results"
    target.mkdir()
    (target / "old.json").write_text("old")
    staging = staging_path(target)
    staging.mkdir()
    (staging / "new.json").write_text("new")
    swap_in(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["new.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_recover_after_death_between_renames(tmp_path):
    target = tmp_path / "site"
    target.mkdir()
    (target / "index.html").write_text("previous")
    # a build died after moving the old site aside, before moving the new one in
    os.replace(target, tmp_path / ".site.old")
    stale = tmp_path / ".site.new-999999999"
    stale.mkdir()
    recover(target)
    assert (target / "index.html").read_text() == "previous"
    assert not stale.exists() and not (tmp_path / ".site.old").exists()
