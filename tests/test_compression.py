"""Answers on the wire compressed as the client asks (server/compression.py, DESIGN.md decision
15): the same bytes once decoded, in the coding the client prefers, with Vary for caches; the
app's files compressed once, each coding with its own ETag, still answering 304; streams still
streamed; and what does not compress (an XLSX, a tiny body) left alone."""

import gzip
import os
import zlib

import brotli
import orjson
import pytest
from flask import Response
from werkzeug.datastructures import Accept
from werkzeug.http import parse_accept_header

from server import compression, create_app
from tests.helpers import vneid_data

DECODERS = {None: lambda data: data, "gzip": gzip.decompress, "br": brotli.decompress}


def decoded(response):
    coding = response.headers.get("Content-Encoding")
    return DECODERS[coding](response.get_data())


def accepting(coding):
    return {"Accept-Encoding": coding} if coding else {}


@pytest.fixture
def police_with_records(login, villages):
    """police.qt, whose commune holds 120 records of vol.qt1."""
    volunteer = login("vol.qt1")
    mutations = [
        volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(full_name=f"Người dân {n:03d}"))
        for n in range(120)
    ]
    assert {r["status"] for r in volunteer.push_ok(mutations)} == {"applied"}
    return login("police.qt")


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        (None, None),
        ("", None),
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br, zstd", "br"),  # what Chromium sends
        ("br;q=0.8, gzip;q=0.8", "br"),  # equal: brotli
        ("gzip;q=1, br;q=0.9", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("GZIP", "gzip"),
        ("deflate", None),  # not offered
        ("zstd", None),
        ("identity", None),
        ("gzip;q=0.5, identity", None),  # identity preferred
        ("gzip, identity;q=0.5", "gzip"),
        ("*", "br"),
        ("*;q=0", None),
        ("*;q=0.5, br;q=0", "gzip"),
        ("gzip;q=abc", None),  # an invalid q: the entry is ignored
    ],
)
def test_the_coding_follows_accept_encoding(header, coding):
    assert compression.chosen_coding(parse_accept_header(header, Accept)) == coding


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_an_api_answer_decodes_to_exactly_the_plain_bytes(client, coding):
    plain = client.get("/api/v1/openapi.json")
    compressed = client.get("/api/v1/openapi.json", headers=accepting(coding))
    assert plain.headers.get("Content-Encoding") is None
    assert compressed.headers["Content-Encoding"] == coding
    assert decoded(compressed) == plain.get_data()
    assert int(compressed.headers["Content-Length"]) == len(compressed.get_data()) < len(plain.get_data()) / 4
    for response in (plain, compressed):
        assert "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_pull_page_is_compressed_and_holds_the_same_changes(police_with_records, coding):
    police = police_with_records
    pages = {
        c: police.get(f"/sync/pull?device_id={police.device_id}&limit=100", headers=accepting(c))
        for c in (None, coding)
    }
    assert pages[None].headers.get("Content-Encoding") is None
    assert pages[coding].headers["Content-Encoding"] == coding
    plain, unpacked = (orjson.loads(decoded(pages[c])) for c in (None, coding))
    assert len(unpacked["changes"]) == 100 and unpacked["has_more"]
    assert {k: v for k, v in unpacked.items() if k != "server_time"} == {
        k: v for k, v in plain.items() if k != "server_time"
    }
    # ~550 bytes a record plain; compressed they cost a tenth.
    assert len(pages[coding].get_data()) * 5 < len(pages[None].get_data())


def test_without_accept_encoding_or_with_identity_the_answer_is_plain(client):
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0, identity"}):
        response = client.get("/api/v1/openapi.json", headers=headers)
        assert response.headers.get("Content-Encoding") is None
        orjson.loads(response.get_data())
        assert response.headers["Vary"] == "Accept-Encoding"


def test_an_error_envelope_is_compressed_and_valid(client):
    # Thirty unknown keys: a 422 naming each, long enough to be worth compressing.
    body = {"username": "vol.qt1", "password": "x", "device_id": "not-a-uuid"}
    body.update({f"unknown_field_{n:02d}": n for n in range(30)})
    plain = client.post("/api/v1/auth/login", json=body)
    compressed = client.post("/api/v1/auth/login", json=body, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == compressed.status_code == 422
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert decoded(compressed) == plain.get_data()
    error = orjson.loads(decoded(compressed))["error"]
    assert error["code"] == "validation_failed" and "unknown_field_29" in error["fields"]


def test_a_tiny_body_is_sent_as_it_is(client):
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert len(response.get_data()) < compression.MIN_BYTES
    assert response.headers.get("Content-Encoding") is None
    assert orjson.loads(response.get_data()) == {"status": "ok"}


def test_an_xlsx_export_is_not_compressed_again(police_with_records):
    response = police_with_records.get(
        "/reports/export?period=2026-11&format=xlsx", headers={"Accept-Encoding": "gzip, br"}
    )
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") is None
    assert response.get_data()[:2] == b"PK"  # a zip: compressed already


def test_an_answer_with_a_content_encoding_is_left_alone(app):
    body = gzip.compress(b"[" + b"1," * 2000 + b"1]")
    with app.test_request_context("/api/v1/anything", headers={"Accept-Encoding": "br"}):
        response = compression.compress_response(
            Response(body, mimetype="application/json", headers={"Content-Encoding": "gzip"})
        )
    assert response.headers["Content-Encoding"] == "gzip" and response.get_data() == body


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_streamed_answer_is_compressed_chunk_by_chunk(app, coding):
    """Each chunk the view yields goes out, compressed and flushed, before the view yields the next."""
    produced = []

    def rows():
        for n in range(3):
            chunk = f"dòng {n}," * 200
            produced.append(n)
            yield chunk.encode()

    with app.test_request_context("/api/v1/reports/export", headers=accepting(coding)):
        response = compression.compress_response(Response(rows(), mimetype="text/csv"))
    assert response.is_streamed and response.headers["Content-Encoding"] == coding
    assert "Content-Length" not in response.headers
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if coding == "gzip" else brotli.Decompressor()
    unpack = decoder.decompress if coding == "gzip" else decoder.process
    pieces = iter(response.response)
    first = unpack(next(pieces))
    assert produced == [0]  # the first chunk arrived before the view made the second
    assert first == ("dòng 0," * 200).encode()
    rest = b"".join(unpack(piece) for piece in pieces)
    assert first + rest == "".join(f"dòng {n}," * 200 for n in range(3)).encode()


def test_a_stream_is_closed_with_its_answer_even_unread(app):
    class Rows:
        closed = False

        def __iter__(self):
            yield "dòng,".encode() * 300

        def close(self):
            self.closed = True

    rows = Rows()
    with app.test_request_context("/api/v1/reports/export", method="HEAD", headers={"Accept-Encoding": "gzip"}):
        response = compression.compress_response(Response(rows, mimetype="text/csv"))
    assert response.headers["Content-Encoding"] == "gzip"
    response.close()
    assert rows.closed


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_the_csv_export_streams_compressed(police_with_records, coding):
    query = "/reports/export?period=2026-11&format=csv&type=vneid_activation&count=submitted_and_approved"
    plain = police_with_records.get(query)
    compressed = police_with_records.get(query, headers=accepting(coding))
    assert compressed.is_streamed and compressed.headers["Content-Encoding"] == coding
    text = decoded(compressed).decode("utf-8-sig")
    assert text == plain.get_data().decode("utf-8-sig") and text.count("Người dân") == 120


def test_each_coding_of_a_file_has_its_own_etag_and_answers_304(client):
    etags = {}
    for coding in (None, "gzip", "br"):
        response = client.get("/js/app.js", headers=accepting(coding))
        assert response.status_code == 200 and response.headers.get("Content-Encoding") == coding
        assert response.headers["Vary"] == "Accept-Encoding"
        etags[coding] = response.headers["ETag"]
        again = client.get("/js/app.js", headers={**accepting(coding), "If-None-Match": etags[coding]})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == etags[coding] and again.headers["Vary"] == "Accept-Encoding"
    assert etags["gzip"] == etags[None][:-1] + '-gz"' and etags["br"] == etags[None][:-1] + '-br"'
    # Another coding's ETag is another representation: the whole file again.
    other = client.get("/js/app.js", headers={"Accept-Encoding": "br", "If-None-Match": etags["gzip"]})
    assert other.status_code == 200 and other.headers["ETag"] == etags["br"]
    assert decoded(other) == client.get("/js/app.js").get_data()


def test_a_head_request_says_what_a_get_would_send(client):
    get = client.get("/js/app.js", headers={"Accept-Encoding": "br"})
    head = client.head("/js/app.js", headers={"Accept-Encoding": "br"})
    assert head.status_code == 200 and head.get_data() == b""
    for name in ("Content-Encoding", "Content-Length", "ETag", "Vary"):
        assert head.headers[name] == get.headers[name], name
    api_head = client.head("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api_head.headers["Content-Encoding"] == "gzip" and api_head.get_data() == b""


def test_a_file_is_compressed_once_per_content(app, client, monkeypatch, tmp_path):
    pwa = tmp_path / "pwa"
    (pwa / "js").mkdir(parents=True)
    (pwa / "js" / "big.js").write_text("export const rows = [" + "'dòng',\n" * 500 + "];\n")
    app.config["PWA_DIR"] = str(pwa)
    monkeypatch.setattr(compression, "_FILES", compression._CompressedFiles(compression.CACHE_BYTES))
    calls = []
    real = compression._compress
    monkeypatch.setattr(compression, "_compress", lambda *args: calls.append(args[1]) or real(*args))
    first = client.get("/js/big.js", headers={"Accept-Encoding": "br"})
    for _ in range(3):
        assert client.get("/js/big.js", headers={"Accept-Encoding": "br"}).get_data() == first.get_data()
    assert calls == ["br"]
    client.get("/js/big.js", headers={"Accept-Encoding": "gzip"})
    assert calls == ["br", "gzip"]
    # A deploy that changes the file: its new content is compressed, the old entry is not served.
    (pwa / "js" / "big.js").write_text("export const rows = [" + "'hàng',\n" * 500 + "];\n")
    changed = client.get("/js/big.js", headers={"Accept-Encoding": "br"})
    assert calls == ["br", "gzip", "br"]
    assert "hàng".encode() in brotli.decompress(changed.get_data())


def test_the_cache_of_compressed_files_keeps_to_its_size():
    files = compression._CompressedFiles(limit=3000)
    bodies = [bytes([n]) * 50_000 + bytes(range(256)) * 4 for n in range(10)]
    for body in bodies:
        files.compressed(body, "gzip")
    assert 0 < files.size <= 3000 and files.size == sum(len(v) for v in files.entries.values())
    assert len(files.entries) < len(bodies)


def test_compression_can_be_left_to_a_proxy():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "COMPRESSION": "0"})
    response = app.test_client().get("/js/app.js", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers.get("Content-Encoding") is None and "Vary" not in response.headers
    with pytest.raises(ValueError, match="SOTAY_COMPRESSION"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "COMPRESSION": "yes"})


def test_a_files_etag_follows_its_content_not_its_time(app, client, tmp_path):
    """A deploy that writes every file anew leaves the unchanged ones' ETags as they were, so the
    service worker's install, which revalidates each file, gets 304s for them."""
    pwa = tmp_path / "pwa"
    (pwa / "js").mkdir(parents=True)
    script = pwa / "js" / "big.js"
    script.write_text("export const rows = [" + "'dòng',\n" * 500 + "];\n")
    app.config["PWA_DIR"] = str(pwa)
    first = client.get("/js/big.js", headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    os.utime(script, (1_000_000_000, 1_000_000_000))
    assert client.get("/js/big.js", headers={"Accept-Encoding": "gzip", "If-None-Match": first}).status_code == 304
    script.write_text("export const rows = [" + "'hàng',\n" * 500 + "];\n")
    changed = client.get("/js/big.js", headers={"Accept-Encoding": "gzip", "If-None-Match": first})
    assert changed.status_code == 200 and changed.headers["ETag"] != first
