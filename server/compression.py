"""Compressed answers: brotli or gzip, as the client's Accept-Encoding asks (DESIGN.md decision 15).

A phone in a village pulls its commune over a slow, metered link, where JSON shrinks ten times
(docs/performance.md, "Bytes on the wire"). Every answer whose type compresses goes out in the
coding the client prefers: brotli on equal preference (smaller), else gzip, else as it is.

- The app's own files (everything outside /api/: the shell, its service worker) are the same bytes
  for every phone: each is compressed once, at the highest levels, and kept in memory keyed by its
  coding and a digest of its content, so a deploy's new file is a new entry. A compressed file has
  its own ETag (the plain one with `-br` or `-gz`), and a conditional request for it still gets 304.
- API answers are one caller's data, compressed per request at quicker levels; a streamed answer
  (the CSV export) is compressed chunk by chunk, each chunk flushed, so it still streams.
- Left as they are: types that do not compress (XLSX, which is a zip, and PNG), answers that
  already have a Content-Encoding, bodies under MIN_BYTES, and 204, 206 and 304 answers.

API requests carry their credentials in an Authorization header that the app's script sets, never
in a cookie, so a page on another site cannot make a browser send authenticated requests mixing
its own text with a secret in one compressed answer (the BREACH attack).

Not in a library: flask-compress compresses a file on every request unless given a cache keyed by
the request (not the content), never compresses an error answer, and does not flush a stream's
chunks. The in-memory cache holds only what the files on disk give again; each worker and instance
fills its own (DESIGN.md decision 2).
"""

import hashlib
import threading
import zlib
from collections import OrderedDict

import brotli
from flask import request

# On equal preference, the first: brotli makes JSON ~12 % smaller than gzip for similar CPU.
CODINGS = ("br", "gzip")
ETAG_SUFFIX = {"br": "br", "gzip": "gz"}
COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
        "text/css",
        "text/csv",
        "text/html",
        "text/javascript",
        "text/plain",
    }
)
# Below this, the coding's own header and framing eat most of what it saves.
MIN_BYTES = 500
# Levels for an answer made for one request: a 1,000-record pull page (600 kB) takes ~4 ms at
# either; gzip 9 or brotli 8 would take 1.5 - 2 times as long for ~5 % fewer bytes.
GZIP_LEVEL = 6
BROTLI_QUALITY = 5
# The app's files are compressed once, so at the smallest: ~0.4 s for the whole of pwa/ at brotli 11.
FILE_GZIP_LEVEL = 9
FILE_BROTLI_QUALITY = 11
# pwa/ compressed both ways takes ~170 kB: room for many deploys' worth.
CACHE_BYTES = 8 * 1024 * 1024


def register_compression(app):
    """Compress answers as the client asks, unless SOTAY_COMPRESSION=0 (a proxy in front does it)."""
    if app.config["COMPRESSION"]:
        app.after_request(compress_response)


def chosen_coding(accept_encoding):
    """The coding to answer in, from an Accept-Encoding header as werkzeug parsed it; None: as it is.

    The coding with the highest q wins, brotli on a tie; identity (no coding) when the client gives
    it a higher q than either, or accepts neither (q=0, not listed, or no header at all).
    """
    best = max(CODINGS, key=accept_encoding.quality)  # max keeps the first of equals: brotli
    quality = accept_encoding.quality(best)
    if quality <= 0 or accept_encoding.quality("identity") > quality:
        return None
    return best


def compress_response(response):
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    coding = chosen_coding(request.accept_encodings)
    if (
        coding is None
        or response.status_code in (204, 206, 304)
        or response.status_code < 200
        or "Content-Encoding" in response.headers
        or (response.content_length is not None and response.content_length < MIN_BYTES)
    ):
        return response
    # send_file hands the server the open file; the body is ours to read or wrap now.
    response.direct_passthrough = False
    if response.status_code == 200 and not request.path.startswith("/api/"):
        return _compress_file(response, coding)
    if response.is_streamed:
        return _compress_stream(response, coding)
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    _set_body(response, coding, _compress(body, coding, GZIP_LEVEL, BROTLI_QUALITY))
    return response


def _compress(body, coding, gzip_level, brotli_quality):
    if coding == "br":
        return brotli.compress(body, quality=brotli_quality)
    compressor = zlib.compressobj(gzip_level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # with the gzip header
    return compressor.compress(body) + compressor.flush()


def _set_body(response, coding, data):
    response.set_data(data)
    response.headers["Content-Encoding"] = coding
    # Byte ranges would count in the plain file, not in what was sent.
    response.headers.pop("Accept-Ranges", None)


def _compress_file(response, coding):
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    _set_body(response, coding, _FILES.compressed(body, coding))
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}-{ETAG_SUFFIX[coding]}", weak=weak)
        # The file's view answered the plain ETag; this answers the compressed one.
        response.make_conditional(request)
    return response


def _compress_stream(response, coding):
    source = response.response
    chunks = response.iter_encoded()
    if coding == "br":
        compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        compress, flush, finish = compressor.process, compressor.flush, compressor.finish
    else:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        compress, finish = compressor.compress, compressor.flush
        flush = lambda: compressor.flush(zlib.Z_SYNC_FLUSH)  # noqa: E731

    def compressed():
        for chunk in chunks:
            # Flushed at each chunk: the client gets every chunk when the view yields it.
            if chunk and (data := compress(chunk) + flush()):
                yield data
        yield finish()

    response.response = compressed()
    # What the view streamed (its database cursor, its request context) is closed with the
    # answer, read or not (a HEAD request, a client gone).
    if hasattr(source, "close"):
        response.call_on_close(source.close)
    response.headers["Content-Encoding"] = coding
    response.headers.pop("Content-Length", None)
    response.headers.pop("Accept-Ranges", None)
    return response


class _CompressedFiles:
    """The app's files compressed, by coding and content digest, least recently used dropped first."""

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def compressed(self, body, coding):
        key = (coding, hashlib.blake2b(body, digest_size=16).digest())
        with self.lock:
            data = self.entries.get(key)
            if data is not None:
                self.entries.move_to_end(key)
                return data
        # Outside the lock: two threads may both compress a new file once, neither waits.
        data = _compress(body, coding, FILE_GZIP_LEVEL, FILE_BROTLI_QUALITY)
        with self.lock:
            if key not in self.entries:
                self.entries[key] = data
                self.size += len(data)
                while self.size > self.limit:
                    self.size -= len(self.entries.popitem(last=False)[1])
        return data


_FILES = _CompressedFiles(CACHE_BYTES)
