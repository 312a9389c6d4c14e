"""`lsstlite.io.header.Header` against astropy's header: parsing, editing, writing."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.io.header import Header


def _sample() -> fits.Header:
    header = fits.Header()
    header["STR"] = ("it''s", "quoted quote")
    header["LEAD"] = ("  leading kept   ", "trailing blanks dropped")
    header["LOGT"], header["LOGF"] = True, False
    header["INT"] = (42, "an int")
    header["FLT"] = (0.125, "a float / with a slash")
    header["EXP"] = -1.5e-12
    header["HIERARCH LONG_KEYWORD_NAME"] = (7, "hierarch")
    header["LONGSTR"] = ("x" * 150 + " end", "continued")
    header["DUP"] = 1
    header.append(("DUP", 2), useblanks=False, bottom=True)
    header.add_comment("a comment")
    header.add_history("a history")
    return header


def _assert_same(ours: Header, theirs: fits.Header) -> None:
    assert ours.keys() == list(theirs.keys())
    for mine, card in zip(ours.cards, theirs.cards, strict=True):
        assert mine.keyword == card.keyword
        assert type(mine.value) is type(card.value) and mine.value == card.value, card.keyword
        if card.keyword not in ("COMMENT", "HISTORY"):
            assert mine.comment == card.comment, card.keyword


def test_parses_as_astropy():
    theirs = _sample()
    ours = Header.fromstring(theirs.tostring())
    _assert_same(ours, theirs)
    assert ours["DUP"] == 1 and ours.get("MISSING", "x") == "x" and "INT" in ours
    assert ours["long_keyword_name"] == 7
    with pytest.raises(KeyError, match="NOPE"):
        ours["NOPE"]


def test_parses_the_sdss_headers_as_astropy(sdss_data):
    for path in sorted((sdss_data / "run4192").glob("*-0300.fit*")):
        with fits.open(path) as hdul:
            for hdu in hdul:
                _assert_same(Header.fromstring(hdu.header.tostring()), hdu.header)


def test_editing_keeps_places_and_comments():
    ours = Header.fromstring(_sample().tostring())
    ours["INT"] = 43                       # value only: comment and place kept
    ours["FLT"] = (0.25, "new comment")
    ours["NEW"] = ("added", "at the end")
    ours.remove("DUP")                     # the first of two
    ours.remove("MISSING", ignore_missing=True)
    with pytest.raises(KeyError, match="MISSING"):
        ours.remove("MISSING")
    copy = ours.copy()
    copy["INT"] = 0
    assert ours["INT"] == 43 and copy["INT"] == 0
    assert ours.keys().index("INT") == _sample().index("INT")
    assert ours.cards[ours.keys().index("INT")].comment == "an int"
    assert ours["FLT"] == 0.25 and ours.keys()[-1] == "NEW" and ours["DUP"] == 2
    theirs = ours.to_astropy()
    assert theirs["INT"] == 43 and theirs.comments["FLT"] == "new comment"
    assert theirs["NEW"] == "added" and theirs["LONGSTR"] == "x" * 150 + " end"
    ours.remove("DUP", remove_all=True)
    assert "DUP" not in ours


def test_images_are_kept_and_new_floats_are_exact():
    text = _sample().tostring()
    ours = Header.fromstring(text)
    assert "".join(c.image for c in ours.cards) == text[:len("".join(c.image for c in ours.cards))]
    ours["PI"] = np.pi
    assert fits.Header.fromstring(ours.tostring())["PI"] == np.pi
    assert len(ours.tostring()) % 2880 == 0
    assert Header([("A", 1, "one"), ("B", "two")]) == Header.fromstring(
        fits.Header([("A", 1, "one"), ("B", "two")]).tostring())


def test_astropy_behaviours_users_rely_on():
    ours = Header()
    ours["COMMENT"] = "hello"               # commentary keywords add a card each time
    ours["COMMENT"] = "again"
    ours["A"] = (1,)                        # a 1-tuple is the value
    ours["B"] = None                        # a blank value
    ours["HIERARCH ESO DET"] = (2, "short, with a space: HIERARCH")
    ours.set("C", 3.5, "set")
    theirs = ours.to_astropy()
    assert list(theirs.items()) == [("COMMENT", "hello"), ("COMMENT", "again"), ("A", 1),
                                    ("B", None), ("ESO DET", 2), ("C", 3.5)]
    assert list(ours["COMMENT"]) == ["hello", "again"] and str(ours["COMMENT"]) == "hello\nagain"
    assert ours.comments["C"] == "set" and ours["ESO DET"] == 2
    del ours["COMMENT"]
    assert "COMMENT" not in ours
    long_comment = fits.Header()
    long_comment["LONG"] = ("x" * 100, "word " * 30)
    assert Header.fromstring(long_comment.tostring()).comments["LONG"] == long_comment.comments["LONG"]
