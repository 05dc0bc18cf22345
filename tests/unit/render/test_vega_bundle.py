"""The Vega bundle is made once per vl-convert version and read from the user cache after."""

from __future__ import annotations

import vl_convert

from generator.render import assets


def test_the_bundle_is_vl_converts_and_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = vl_convert.javascript_bundle()
    assert assets.vega_bundle() == expected
    kept = tmp_path / "headatlas" / f"vega-bundle-{vl_convert.__version__}.js"
    assert kept.read_text(encoding="utf-8") == expected
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no temporary file left

    def never(*args, **kwargs):
        raise AssertionError("the bundle was made again")

    monkeypatch.setattr(vl_convert, "javascript_bundle", never)
    assert assets.vega_bundle() == expected  # read from the cache


def test_an_unwritable_cache_still_gives_the_bundle(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert assets.vega_bundle() == vl_convert.javascript_bundle()
