"""Writes the four PDF articles of the dated corpus to articles/pdf/ (standard library only, deterministic).

Run from anywhere: `python tests/data/dated/make_pdfs.py`. Two PDFs carry their publication date only as the
document information's /CreationDate (no date on the page), two only as a dateline at the start of their
first text line (no /CreationDate). Text is set in Helvetica with WinAnsiEncoding (cp1252), so umlauts,
dashes and German quotation marks come out of text extraction unchanged; the title is stored as UTF-16.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

OUT = Path(__file__).resolve().parent / "articles" / "pdf"
LINE_CHARS = 90

PDFS = [
    {
        "file": "mvb-angebot.pdf",
        "title": "MVB bessern nach: 4,5 Prozent – Gewerkschaft lehnt ab",
        "creation_date": "D:20251106171500+01'00'",
        "headline_on_page": True,
        "paragraphs": [
            (
                "In der dritten Verhandlungsrunde haben die Marstedter Verkehrsbetriebe ihr Angebot am Mittwoch "
                "deutlich erhöht. Statt der bisher gebotenen 3 Prozent sollen die Löhne nun um 4,5 Prozent "
                "steigen, bei einer Laufzeit von 24 Monaten. Die Gewerkschaft Verkehr und Dienste (GVD) lehnte "
                "auch dieses Angebot ab."
            ),
            (
                "„Wir bewegen uns aufeinander zu, aber das reicht noch nicht“, sagte Verhandlungsführerin Sabine "
                "Kordes. Weitere Warnstreiks will die GVD bis zur nächsten Runde nicht ausrufen. Beide Seiten "
                "treffen sich am 12. November erneut, dann ohne festes Ende der Gespräche."
            ),
            "Quelle: https://www.kuestenblatt.example/marstedt/mvb-neues-angebot",
        ],
    },
    {
        "file": "geburtsstation-st-annen.pdf",
        "title": "Geburtsstation in St. Annen schließt Ende März",
        "creation_date": "D:20251117103000+01'00'",
        "headline_on_page": True,
        "paragraphs": [
            (
                "Die Geburtshilfe des St.-Annen-Krankenhauses wird Ende März 2026 geschlossen. Ab dem 1. April "
                "kommen alle Kinder des neuen Klinikverbunds Marstedt im Städtischen Klinikum zur Welt, teilte "
                "Geschäftsführerin Dr. Miriam Castell am Montag mit. Dort entsteht bis dahin ein neuer Kreißsaal "
                "mit sechs Entbindungsräumen."
            ),
            (
                "Im vergangenen Jahr wurden in St. Annen 610 Kinder geboren, im Klinikum 1.480. Die Hebammen und "
                "Pflegekräfte aus St. Annen sollen alle übernommen werden. Eltern-Initiativen kündigten Protest "
                "an und sammeln Unterschriften für den Erhalt der Station."
            ),
            "Quelle: https://www.marstedter-rundschau.example/lokales/geburtsstation-st-annen",
        ],
    },
    {
        "file": "klage-hafenausbau.pdf",
        "title": "Umweltinitiative klagt gegen Hafenausbau am Liegeplatz 7",
        "creation_date": None,
        "headline_on_page": False,
        "paragraphs": [
            (
                "Marstedt, 12. November 2025 (npa) – Die Umweltinitiative Wemme-Watt hat am Dienstag, 11. "
                "November, Klage gegen den Bebauungsplan für den Liegeplatz 7 im Marstedter Hafen eingereicht. "
                "Zugleich beantragte sie beim Oberverwaltungsgericht einen sofortigen Baustopp im Eilverfahren. "
                "Die Initiative sieht den Rastplatz für Zugvögel am Sandwerder gefährdet. Die Hafen Marstedt GmbH"
                " hält die Klage für unbegründet; die Abrissarbeiten am Nordkai laufen weiter. Über den Eilantrag"
                " will das Gericht nach eigenen Angaben noch im November entscheiden."
            ),
        ],
    },
    {
        "file": "musikschule-jubilaeum.pdf",
        "title": "Musikschule Marstedt feiert 50 Jahre mit Festkonzert",
        "creation_date": None,
        "headline_on_page": False,
        "paragraphs": [
            (
                "Marstedt, 13. Oktober 2025 – Die Musikschule Marstedt hat am Wochenende ihr 50-jähriges Bestehen"
                " gefeiert. Rund 400 Schülerinnen, Schüler und Lehrkräfte traten beim Festkonzert in der "
                "Stadthalle auf. Derzeit lernen an der Musikschule rund 2.100 Kinder und Erwachsene ein "
                "Instrument."
            ),
            (
                "Schulleiterin Dörte Kühl wünscht sich mehr Räume: Die Warteliste für Klavier und Schlagzeug "
                "umfasse über 300 Namen. Die Stadt prüft, ob die Musikschule in das frühere Zollhaus ziehen kann."
                " Zum Jubiläum erschien außerdem eine Chronik mit historischen Fotos."
            ),
        ],
    },
]


def pdf_text(s: str) -> bytes:
    """A PDF literal string in cp1252 (WinAnsiEncoding) with (, ) and \\ escaped."""
    raw = s.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def info_text(s: str) -> bytes:
    """A document information string: UTF-16BE with byte order mark, as a hex string."""
    return b"<" + ("\ufeff" + s).encode("utf-16-be").hex().upper().encode("ascii") + b">"


def wrap(paragraph: str) -> list[str]:
    return textwrap.wrap(paragraph, LINE_CHARS, break_long_words=False, break_on_hyphens=False)


def content_stream(doc: dict) -> bytes:
    ops = [b"BT"]
    if doc["headline_on_page"]:
        ops += [b"/F1 15 Tf 72 750 Td 20 TL", pdf_text(doc["title"]) + b" Tj T*", b"/F1 11 Tf 14 TL T*"]
    else:
        ops += [b"/F1 11 Tf 72 750 Td 14 TL"]
    for i, paragraph in enumerate(doc["paragraphs"]):
        if i:
            ops.append(b"T*")  # an empty line between paragraphs
        ops += [pdf_text(line) + b" Tj T*" for line in wrap(paragraph)]
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


def build(doc: dict) -> bytes:
    stream = content_stream(doc)
    info = b"<< /Title " + info_text(doc["title"])
    if doc["creation_date"]:
        info += b" /CreationDate (" + doc["creation_date"].encode("ascii") + b")"
    info += b" >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += str(n).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R /Info 6 0 R >>\n"
            b"startxref\n" + str(xref).encode() + b"\n%%EOF\n")
    return bytes(out)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for doc in PDFS:
        for paragraph in doc["paragraphs"]:
            assert all(len(line) <= LINE_CHARS for line in wrap(paragraph)), doc["file"]
        (OUT / doc["file"]).write_bytes(build(doc))
        print("wrote", OUT / doc["file"])


if __name__ == "__main__":
    main()
