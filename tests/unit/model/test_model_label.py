"""model_label: the name a site gives a model (issue 22 item 5), never the user's folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model.loading import model_label


def test_a_local_folder_is_named_by_its_own_name(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "models" / "all-mpnet-base-v2"
    folder.mkdir(parents=True)
    assert model_label(str(folder)) == "all-mpnet-base-v2"
    assert model_label(str(folder) + "/") == "all-mpnet-base-v2"
    monkeypatch.chdir(folder)
    assert model_label(".") == "all-mpnet-base-v2"  # not "."
    assert model_label(str(folder), "MPNet (sentence-transformers)") == \
        "MPNet (sentence-transformers)"


def test_a_gguf_file_is_named_without_its_extension(tmp_path: Path) -> None:
    file = tmp_path / "SmolLM2-135M.Q8_0.gguf"
    file.write_bytes(b"")
    assert model_label(str(file)) == "SmolLM2-135M.Q8_0"


@pytest.mark.parametrize("model", ["sentence-transformers/all-mpnet-base-v2", "default",
                                   "smollm2", "bert-base-uncased"])
def test_ids_and_keywords_stay_as_given(model: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "default").mkdir()  # a keyword wins over a folder of that name, as in loading
    assert model_label(model) == model
