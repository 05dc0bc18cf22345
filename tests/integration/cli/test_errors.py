"""Bad input: one line naming the file (and line), exit status 2, no traceback."""

import pytest

from generator.cli.main import main


def run(capsys, *args):
    status = main(list(args))
    err = capsys.readouterr().err
    return status, err


def test_missing_text_file(capsys, tiny_bert, tmp_path):
    status, err = run(capsys, "build", "--model", str(tiny_bert), "--text",
                      str(tmp_path / "nope.txt"), "--out", str(tmp_path), "--no-site")
    assert status == 2
    assert err.strip() == f"headatlas: error: {tmp_path / 'nope.txt'}: file not found"
    assert "Traceback" not in err


def test_unknown_model_offline(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)  # read at import
    status, err = run(capsys, "build", "--model", "nobody/no-such-model", "--out", str(tmp_path),
                      "--no-site")
    assert status == 2
    assert "model 'nobody/no-such-model' is not available" in err
    assert len(err.strip().splitlines()) == 1


def test_unsupported_architecture(capsys, tmp_path):
    from transformers import DebertaConfig, DebertaModel

    DebertaModel(DebertaConfig(num_hidden_layers=1, num_attention_heads=2, hidden_size=8,
                               intermediate_size=16, vocab_size=50)).save_pretrained(tmp_path)
    status, err = run(capsys, "build", "--model", str(tmp_path), "--out", str(tmp_path / "o"),
                      "--no-site")
    assert status == 2
    assert "'deberta'" in err and "not supported yet" in err


def test_bad_config_key(capsys, tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("batchsize = 4\n")
    status, err = run(capsys, "build", "--config", str(f))
    assert status == 2 and "did you mean 'batch_size'" in err


def test_debug_shows_traceback(tmp_path):
    from generator.errors import HeadAtlasError

    with pytest.raises(HeadAtlasError):
        main(["build", "--text", str(tmp_path / "x.txt"), "--out", str(tmp_path), "--debug",
              "--no-site"])
