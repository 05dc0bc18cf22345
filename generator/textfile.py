"""Read a user's UTF-8 input file, or raise one line that names the file (and line)."""

from __future__ import annotations

from pathlib import Path

from generator.errors import HeadAtlasError


def read_utf8(path: Path, kind: str = "file") -> str:
    """The file's text (a leading byte-order mark dropped); missing, a folder, unreadable or not
    UTF-8 is a HeadAtlasError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise HeadAtlasError("file not found", path=path) from None
    except IsADirectoryError:
        raise HeadAtlasError(f"is a folder, expected a {kind}", path=path) from None
    except OSError as exc:
        raise HeadAtlasError(f"cannot read file: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HeadAtlasError(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
                             path=path, line=line) from None
    return text.removeprefix("\ufeff")  # a byte-order mark (Windows editors) is not content
