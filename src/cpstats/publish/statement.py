"""The report's accessibility statement: one web page, in the pattern of GOV.UK's sample statement.

It says how accessible the report is, what is not, how to report a problem (to the contact ``la.yaml`` names,
when it names one), how the report was tested (the axe-core version the tests inject and the WCAG standard)
and when the statement was prepared (the report's own date, so a rebuild gives the same page). Every
sentence is made here as pandoc blocks of text (:func:`cpstats.present.text.text_inlines`): the authority's
name and contact are text wherever they go. Both renderers lay the page out (``accessibility.html``) and
link it from every page's footer; it is not part of the PDF, which it describes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from cpstats.present.text import text_inlines

__all__ = ["ACCESSIBILITY_PAGE", "AXE_CORE_VERSION", "STANDARD", "TITLE", "contact_text", "statement_blocks"]

ACCESSIBILITY_PAGE = "accessibility.html"
"""The statement's web page, beside the report's other pages."""
TITLE = "Accessibility statement"
AXE_CORE_VERSION = "4.12.1"
"""The axe-core the tests inject into every page (the copy in ``axe-playwright-python``); a test checks that
this is the version installed, so the statement never names another."""
STANDARD = "Web Content Accessibility Guidelines (WCAG) version 2.2, level AA"


def contact_text(la: Mapping) -> str:
    """How readers reach the authority about the report, from ``la.yaml``'s ``contact`` (text, or a mapping of
    texts such as ``email`` and ``phone``), or ``""`` when it names none.

    >>> contact_text({"contact": {"email": "cp@example.gov.uk", "phone": "01234 567890"}})
    'email cp@example.gov.uk, phone 01234 567890'
    >>> contact_text({"name": "Rutland"})
    ''
    """
    contact = la.get("contact") if isinstance(la, Mapping) else None
    if isinstance(contact, Mapping):
        return ", ".join(f"{key} {value}" for key, value in contact.items() if str(value).strip())
    return str(contact).strip() if contact else ""


def _heading(level: int, identifier: str, words: str) -> dict:
    return {"t": "Header", "c": [level, [identifier, ["unnumbered"], []], text_inlines(words)]}


def _para(text: str) -> dict:
    return {"t": "Para", "c": text_inlines(text)}


def _bullets(items: list[str]) -> dict:
    return {"t": "BulletList", "c": [[{"t": "Plain", "c": text_inlines(item)}] for item in items]}


def _day(date: dt.datetime | dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def statement_blocks(report: str, authority: str, contact: str, prepared: dt.datetime | dt.date) -> list:
    """The statement as pandoc blocks: its title (level 1) and its parts (level 2).

    ``report`` is the report's title and year (``Child Protection Annual Report, Rutland, 2017-18``),
    ``authority`` the authority's name, ``contact`` :func:`contact_text` and ``prepared`` the report's date.

    >>> blocks = statement_blocks("Report, X, 2017-18", "X", "", dt.date(2018, 3, 31))
    >>> [b["c"][2][0]["c"] for b in blocks if b["t"] == "Header"][:3]
    ['Accessibility', 'How', 'What']
    """
    ask = (f"contact {authority}: {contact}." if contact else
           f"contact {authority}, which published it, through its website or its customer services.")
    return [
        _heading(1, "accessibility-statement", TITLE),
        _para(f"This statement applies to the {report}: its web pages and its PDF. {authority} wants as many "
              "people as possible to be able to read it."),
        _heading(2, "how-accessible", "How accessible this report is"),
        _para("You should be able to:"),
        _bullets([
            "read every page on a phone 390 pixels wide, or zoomed to 400%, without scrolling sideways: a wide "
            "table scrolls within its own box",
            "use every page with a keyboard alone: a link skips to the main content, and each table's box can "
            "take the keyboard's focus to scroll",
            "use a screen reader: each page has one main heading and headings in order, each table a caption, "
            "column headers and row headers, and each chart a text alternative giving every value it shows",
            "tell the lines and bars of a chart apart without colour: they are labelled, and lines have their own "
            "markers and dashes",
            "read the PDF with assistive technology: it is tagged, with its language, headings, tables and the "
            "charts' text alternatives (PDF/UA-1)",
        ]),
        _heading(2, "not-accessible", "What is not fully accessible"),
        _bullets([
            "In the PDF, a table's heading row is marked as its header, but its first column is not marked as "
            "heading its rows, as it is on the web pages.",
            "A chart is a picture: its values are in its text alternative and in the table beside it, not in the "
            "picture itself.",
            "The downloads (CSV, XLSX, ODS and the open data) are data files: they follow the Government "
            "Statistical Service's guidance for spreadsheets, and have not been checked as documents.",
        ]),
        _heading(2, "report-problem", "Reporting accessibility problems"),
        _para("If you find a problem not listed on this page, or need the report in another format such as large "
              f"print, audio or braille, {ask}"),
        _heading(2, "enforcement", "Enforcement procedure"),
        _para("The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector "
              "Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not "
              "happy with how your complaint is answered, contact the Equality Advisory and Support Service (EASS)."),
        _heading(2, "technical", "Technical information about this report's accessibility"),
        _para(f"This report's web pages are made to meet the {STANDARD}. They are partially compliant with it, "
              "because of the parts listed under \"What is not fully accessible\"."),
        _heading(2, "how-tested", "How this report was tested"),
        _para(f"Every web page of the report, as laid out by both of cpstats' renderers, is checked by axe-core "
              f"{AXE_CORE_VERSION}, an automated accessibility testing engine, against its rules for WCAG 2.0, 2.1 "
              "and 2.2 up to level AA, in the Chromium browser at 1280 and 390 pixels wide: every time "
              "cpstats is tested, no page may have a violation. The PDF is checked against PDF/UA-1 as it is "
              "written. Automated testing finds some problems, not all: the report has not yet been tested by "
              "disabled people or by an accessibility specialist."),
        _heading(2, "prepared", "Preparation of this accessibility statement"),
        _para(f"This statement was prepared on {_day(prepared)}, the date of this edition of the report."),
    ]
