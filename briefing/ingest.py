"""Read the sources a user names (files and folders of text) into raw `Document`s.

This is an edge: it touches the file system. A source that cannot be used at all (missing
path, empty folder) is an `InputError`; a single unusable file inside a folder is a warning
and the rest still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import InputError
from .models import Document

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
_BINARY_SNIFF_BYTES = 8192


def read_documents(sources: Sequence[str | Path]) -> tuple[list[Document], list[str]]:
    """All documents the sources name, in order, and a warning for each file skipped."""
    if not sources:
        raise InputError("no sources given", hint="name article files or folders, e.g. seeds/")
    documents: list[Document] = []
    warnings: list[str] = []
    for source in sources:
        for path in _files(Path(source)):
            document, warning = _read(path)
            if document is not None:
                documents.append(document)
            if warning:
                warnings.append(warning)
    if not documents:
        raise InputError(
            "none of the sources holds any article text", hint="; ".join(warnings) or "check them"
        )
    return documents, warnings


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(
            child
            for child in path.iterdir()
            if child.is_file() and child.suffix.lower() in TEXT_SUFFIXES
        )
        if not files:
            raise InputError(
                f"{path} holds no article files",
                hint=f"put {', '.join(sorted(TEXT_SUFFIXES))} files in it",
            )
        return files
    if path.is_file():
        return [path]
    raise InputError(f"no such file or folder: {path}", hint="check the path")


def _read(path: Path) -> tuple[Document | None, str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f"{path}: cannot read ({error.strerror}), skipped"
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        return None, f"{path}: looks like a binary file, skipped"
    try:
        text = data.decode("utf-8-sig")
        warning = ""
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        warning = f"{path}: not valid UTF-8, undecodable bytes replaced"
    if not text.strip():
        return None, f"{path}: empty, skipped"
    return Document(path=str(path), text=text), warning
