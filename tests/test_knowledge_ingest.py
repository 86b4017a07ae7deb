"""Knowledge ingestion on a real Postgres: each format, idempotence, updates, deletion, bad
input that writes nothing, the local embedder, and the demo documents."""

from __future__ import annotations

import http.server
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfWriter
from sqlalchemy import text

from buffr.db.session import Database
from knowledge import (
    CorruptDocument,
    DocumentNotFound,
    DocumentTooLarge,
    EmptyDocument,
    IngestEvent,
    SourceUnreachable,
    UnsupportedDocument,
    delete_document,
    ingest,
    ingest_demo_docs,
    list_documents,
    local_embedder,
)
from knowledge.embedders import LocalOnnxEmbedder
from tests.factories import make_property

HOTEL_MD = """# Harbour Inn Guide

## Parking
Guests park in the underground garage on Yarkon Street for 60 ILS a day. The garage closes
at midnight; ask reception for the night code.

## Pets
Dogs up to 15 kg are welcome for 80 ILS per night. Cats stay free of charge.
"""


def make_pdf(pages: list[list[str]]) -> bytes:
    """A small, valid PDF with one Helvetica text line per string (written by hand, so the
    test needs no PDF-writing library that can draw text)."""

    def escape(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    page_ids = [4 + 2 * i for i in range(len(pages))]
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for page_id, lines in zip(page_ids, pages, strict=True):
        shown = " ".join(f"({escape(line)}) Tj T*" for line in lines)
        content = f"BT /F1 12 Tf 72 720 Td 14 TL {shown} ET".encode()
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


@pytest.fixture(scope="module")
def embedder() -> LocalOnnxEmbedder:
    return local_embedder()


@pytest.fixture(scope="module")
def property_id(db: Database) -> int:
    with db.owner() as session:
        return make_property(session, "kb-ingest").id


@pytest.fixture(scope="module")
def web() -> Iterator[tuple[str, dict[str, tuple[str, bytes]]]]:
    """A local web server: path -> (content type, body); unknown paths answer 404."""
    pages: dict[str, tuple[str, bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = pages.get(self.path)
            if found is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", found[0])
            self.send_header("Content-Length", str(len(found[1])))
            self.end_headers()
            self.wfile.write(found[1])

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that hangs up early (an oversize download) is expected

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()


def snapshot(db: Database) -> tuple[object, ...]:
    """Everything a failed ingestion must leave as it was."""
    with db.owner() as session:
        row = session.execute(
            text(
                "SELECT (SELECT count(*) FROM knowledge_documents),"
                " (SELECT count(*) FROM knowledge_chunks),"
                " (SELECT max(updated_at) FROM knowledge_documents),"
                " (SELECT coalesce(sum(id), 0) FROM knowledge_chunks)"
            )
        ).one()
    return tuple(row)


def chunk_rows(db: Database, property_id: int, source: str) -> list[tuple[object, ...]]:
    with db.tenant(property_id) as session:
        return [
            tuple(r)
            for r in session.execute(
                text(
                    "SELECT c.id, c.text, c.embedding_model, c.embedding_dim, c.metadata,"
                    " c.search_vector IS NOT NULL, vector_norm(c.embedding)"
                    " FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id"
                    " WHERE d.source = :s ORDER BY c.ordinal"
                ),
                {"s": source},
            )
        ]


# ----------------------------------------------------------------------------------- formats


def test_markdown_is_split_at_headings(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    doc = tmp_path / "harbour.md"
    doc.write_text(HOTEL_MD)
    events: list[IngestEvent] = []
    report = ingest(db, property_id, doc, embedder=embedder, progress=events.append)
    [outcome] = report.documents
    assert (outcome.outcome, outcome.title) == ("created", "Harbour Inn Guide")
    assert outcome.source == str(doc.resolve())
    rows = chunk_rows(db, property_id, outcome.source)
    assert len(rows) == outcome.chunks == 2  # one per section; the title alone is no chunk
    assert "underground garage" in str(rows[0][1]) and "Dogs up to 15 kg" in str(rows[1][1])
    for _, _, model, dim, _, has_tsv, norm in rows:
        assert (model, dim, has_tsv) == ("minilm-l6-int8", 384, True)
        assert abs(float(str(norm)) - 1.0) < 1e-4
    assert rows[1][4] == {"section": "Harbour Inn Guide > Pets"}
    stages = {e.stage for e in events}
    assert stages == {"read", "parse", "embed", "save"}
    assert IngestEvent("embed", 2, 2) in events
    assert events[-1] == IngestEvent("save", 1, 1, outcome.source)


def test_plain_text(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    doc = tmp_path / "wifi-notes.txt"
    doc.write_text("The wifi network is HarbourGuest.\nThe password is on your key card.\n")
    [outcome] = ingest(db, property_id, doc, embedder=embedder).documents
    assert outcome.title == "Wifi notes"
    [row] = chunk_rows(db, property_id, outcome.source)
    assert "HarbourGuest" in str(row[1]) and "key card" in str(row[1])


def test_html_keeps_text_and_headings_drops_scripts(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    doc = tmp_path / "spa.html"
    doc.write_text(
        "<html><head><title>Harbour Spa</title><style>p{color:red}</style></head><body>"
        "<script>var tracking = 'SECRET-TRACKER';</script>"
        "<h1>Harbour Spa</h1><h2>Opening hours</h2><p>The spa opens at <b>09:00</b> and"
        " closes at 21:00.</p><h2>Treatments</h2><ul><li>Hot stone massage</li>"
        "<li>Sea salt scrub</li></ul></body></html>"
    )
    [outcome] = ingest(db, property_id, doc, embedder=embedder).documents
    assert outcome.title == "Harbour Spa"
    rows = chunk_rows(db, property_id, outcome.source)
    texts = [str(r[1]) for r in rows]
    assert len(texts) == 2
    assert "The spa opens at 09:00 and closes at 21:00." in texts[0]
    assert "- Hot stone massage" in texts[1] and "- Sea salt scrub" in texts[1]
    assert not any("SECRET-TRACKER" in t or "color:red" in t for t in texts)
    assert rows[1][4] == {"section": "Harbour Spa > Treatments"}


def test_pdf_page_by_page(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    doc = tmp_path / "minibar-prices.pdf"
    doc.write_bytes(
        make_pdf([["Minibar prices", "Still water costs 12 ILS."], ["Chocolate bar: 9 ILS."]])
    )
    [outcome] = ingest(db, property_id, doc, embedder=embedder).documents
    assert outcome.title == "Minibar prices"
    rows = chunk_rows(db, property_id, outcome.source)
    assert [r[4] for r in rows] == [{"page": 1}, {"page": 2}]
    assert "Still water costs 12 ILS." in str(rows[0][1])
    assert "Chocolate bar: 9 ILS." in str(rows[1][1])
    with db.tenant(property_id) as session:
        media = session.execute(
            text("SELECT media_type FROM knowledge_documents WHERE source = :s"),
            {"s": outcome.source},
        ).scalar_one()
    assert media == "application/pdf"


def test_folder_takes_supported_files_and_reports_the_rest(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("# A\nBreakfast is served from 07:00 to 10:30.\n")
    (folder / "sub" / "b.txt").write_text("Late checkout costs 150 ILS.\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / ".hidden.md").write_text("# Hidden\nnot for guests\n")
    report = ingest(db, property_id, folder, embedder=embedder)
    assert [Path(d.source).name for d in report.documents] == ["a.md", "b.txt"]
    assert [Path(s).name for s in report.skipped] == ["logo.png"]
    assert all(d.outcome == "created" for d in report.documents)


def test_url_is_fetched_by_the_server(
    db: Database,
    property_id: int,
    embedder: LocalOnnxEmbedder,
    web: tuple[str, dict[str, tuple[str, bytes]]],
) -> None:
    base, pages = web
    pages["/rooftop"] = (
        "text/html; charset=utf-8",
        b"<html><head><title>Rooftop bar</title></head><body><p>The rooftop bar serves"
        b" cocktails from 18:00.</p></body></html>",
    )
    pages["/notes.md"] = ("text/plain", b"# Notes\nThe gym is on floor 2.\n")
    html = ingest(db, property_id, f"{base}/rooftop", embedder=embedder).documents[0]
    markdown = ingest(db, property_id, f"{base}/notes.md", embedder=embedder).documents[0]
    assert (html.source, html.title) == (f"{base}/rooftop", "Rooftop bar")
    assert "cocktails from 18:00" in str(chunk_rows(db, property_id, html.source)[0][1])
    assert markdown.title == "Notes"  # served as text/plain, read as Markdown by its extension
    with db.tenant(property_id) as session:
        media = session.execute(
            text("SELECT media_type FROM knowledge_documents WHERE source = :s"),
            {"s": markdown.source},
        ).scalar_one()
    assert media == "text/markdown"


# ----------------------------------------------------------------- idempotence and updates


def test_unchanged_document_is_not_rewritten(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    doc = tmp_path / "same.md"
    doc.write_text(HOTEL_MD.replace("Harbour Inn", "Same Inn"))
    first = ingest(db, property_id, doc, embedder=embedder)
    before = snapshot(db)
    second = ingest(db, property_id, doc, embedder=embedder)
    assert second.documents[0].outcome == "unchanged"
    assert second.documents[0].title == "Same Inn Guide"
    assert second.chunks_embedded == 0 and first.chunks_embedded == 2
    assert snapshot(db) == before


def test_changed_document_replaces_its_chunks(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    doc = tmp_path / "changing.md"
    doc.write_text(HOTEL_MD)
    first = ingest(db, property_id, doc, embedder=embedder).documents[0]
    old_ids = {r[0] for r in chunk_rows(db, property_id, first.source)}
    doc.write_text(HOTEL_MD.replace("60 ILS a day", "75 ILS a day") + "\n## Pool\nOpen 08-20.\n")
    second = ingest(db, property_id, doc, embedder=embedder).documents[0]
    assert (second.outcome, second.document_id) == ("updated", first.document_id)
    rows = chunk_rows(db, property_id, second.source)
    assert len(rows) == second.chunks == 3
    assert not old_ids & {r[0] for r in rows}
    assert "75 ILS a day" in str(rows[0][1]) and not any("60 ILS" in str(r[1]) for r in rows)


def test_list_and_delete(
    db: Database, property_id: int, embedder: LocalOnnxEmbedder, tmp_path: Path
) -> None:
    first, second = tmp_path / "keep.txt", tmp_path / "drop.txt"
    first.write_text("Keep this: the lobby is open all night.")
    second.write_text("Drop this: the sauna is closed on Mondays.")
    kept = ingest(db, property_id, first, embedder=embedder).documents[0]
    dropped = ingest(db, property_id, second, embedder=embedder).documents[0]
    listed = {d.source: d for d in list_documents(db, property_id)}
    assert listed[dropped.source].chunks == 1
    assert listed[dropped.source].embedding_models == ["minilm-l6-int8"]

    info, chunks = delete_document(db, property_id, str(dropped.document_id))
    assert (info.source, chunks) == (dropped.source, 1)
    assert dropped.source not in {d.source for d in list_documents(db, property_id)}
    assert chunk_rows(db, property_id, dropped.source) == []
    # By the path as typed (it resolves to the stored source) too.
    info, _ = delete_document(db, property_id, str(first))
    assert info.id == kept.document_id
    with pytest.raises(DocumentNotFound):
        delete_document(db, property_id, str(first))


# -------------------------------------------------------------- bad input writes nothing


def _refused(db: Database, property_id: int, target: str | Path, error: type[Exception]) -> str:
    before = snapshot(db)
    with pytest.raises(error) as caught:
        ingest(db, property_id, target, embedder=local_embedder())
    assert snapshot(db) == before
    return str(caught.value)


def test_corrupt_pdf(db: Database, property_id: int, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(make_pdf([["Spa menu"]])[:70])
    assert "damaged PDF" in _refused(db, property_id, truncated, CorruptDocument)
    fake = tmp_path / "fake.pdf"
    fake.write_text("I am a text file pretending to be a PDF")
    assert "not a PDF" in _refused(db, property_id, fake, CorruptDocument)


def test_empty_documents(db: Database, property_id: int, tmp_path: Path) -> None:
    blank_md = tmp_path / "blank.md"
    blank_md.write_text("  \n\n ")
    assert "no text to index" in _refused(db, property_id, blank_md, EmptyDocument)
    headings_only = tmp_path / "headings.md"
    headings_only.write_text("# Title\n## Section\n")
    _refused(db, property_id, headings_only, EmptyDocument)
    blank_pdf = tmp_path / "scan.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    blank_pdf.write_bytes(buffer.getvalue())
    assert "OCR" in _refused(db, property_id, blank_pdf, EmptyDocument)
    empty_folder = tmp_path / "nothing"
    empty_folder.mkdir()
    (empty_folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    _refused(db, property_id, empty_folder, EmptyDocument)


def test_oversize_file_is_refused_before_reading(
    db: Database, property_id: int, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB that take no disk
    started = time.perf_counter()
    message = _refused(db, property_id, huge, DocumentTooLarge)
    assert time.perf_counter() - started < 2.0
    assert "50.0 MB" in message and "20.0 MB" in message


def test_oversize_download_is_refused(
    db: Database, property_id: int, web: tuple[str, dict[str, tuple[str, bytes]]]
) -> None:
    base, pages = web
    pages["/big.txt"] = ("text/plain", b"x" * (21 * 1024 * 1024))
    _refused(db, property_id, f"{base}/big.txt", DocumentTooLarge)


def test_unsupported_types(
    db: Database, property_id: int, tmp_path: Path, web: tuple[str, dict[str, tuple[str, bytes]]]
) -> None:
    doc = tmp_path / "contract.docx"
    doc.write_bytes(b"PK\x03\x04")
    assert ".docx" in _refused(db, property_id, doc, UnsupportedDocument)
    base, pages = web
    pages["/photo"] = ("image/jpeg", b"\xff\xd8\xff")
    assert "image/jpeg" in _refused(db, property_id, f"{base}/photo", UnsupportedDocument)


def test_unreadable_text(db: Database, property_id: int, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Caf\xe9 au lait".encode("latin-1"))
    assert "not UTF-8" in _refused(db, property_id, latin, CorruptDocument)


def test_unreachable_sources(
    db: Database, property_id: int, tmp_path: Path, web: tuple[str, dict[str, tuple[str, bytes]]]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    assert "Could not fetch" in _refused(
        db, property_id, f"http://127.0.0.1:{closed}/faq.html", SourceUnreachable
    )
    base, _ = web
    assert "HTTP 404" in _refused(db, property_id, f"{base}/missing.html", SourceUnreachable)
    _refused(db, property_id, tmp_path / "no-such-file.md", SourceUnreachable)


def test_one_bad_file_in_a_folder_writes_nothing(
    db: Database, property_id: int, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\nThe pool opens at 08:00.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n\x00\x01garbage")
    _refused(db, property_id, folder, CorruptDocument)
    assert not any(d.source.endswith("good.md") for d in list_documents(db, property_id))


# ---------------------------------------------------------------------------- the embedder


def test_local_embedder(embedder: LocalOnnxEmbedder) -> None:
    texts = [
        "What time is check-in?",
        "When can I get into my room on the day I arrive?",
        "The garage charges sixty shekels per day.",
    ]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert similar > unrelated + 0.2
    # Padding in a batch must not change a text's vector (the mask excludes pad tokens).
    alone = embedder.embed([texts[2]])[0]
    assert float(alone @ vectors[2]) > 0.9999
    assert embedder.embed([]).shape == (0, 384)


def test_local_embedder_truncates_long_text(embedder: LocalOnnxEmbedder) -> None:
    long_text = "The terrace overlooks the sea. " * 400
    assert len(embedder.tokenize(long_text)) > 1000
    vector = embedder.embed([long_text])[0]
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


# -------------------------------------------------------------------------- demo documents


def test_demo_documents(db: Database, embedder: LocalOnnxEmbedder) -> None:
    with db.owner() as session:
        demo_id = make_property(session, "kb-demo-docs").id
    steps: list[str] = []
    report = ingest_demo_docs(db, demo_id, embedder=embedder, progress=steps.append)
    sources = sorted(d.source for d in report.documents)
    assert sources == ["demo/faq.md", "demo/house-rules.md", "demo/restaurant.md", "demo/spa.md"]
    assert all(d.outcome == "created" and d.chunks > 0 for d in report.documents)
    assert any("embedding" in s for s in steps)
    again = ingest_demo_docs(db, demo_id, embedder=embedder)
    assert {d.outcome for d in again.documents} == {"unchanged"}
    assert again.chunks_embedded == 0
