"""Errors raised by :mod:`gutskin.microbiome`."""

from __future__ import annotations


def shorten(text: object, limit: int = 40) -> str:
    """An ID as an error message may quote it: at most ``limit`` characters (a DADA2 feature ID is
    the whole ~250-base sequence; the error's ``feature`` attribute keeps it whole)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MicrobiomeInputError(ValueError):
    """Input data that cannot be analysed as given.

    The message always names what is wrong and where (file, sample and/or feature), so it
    can be shown to a user as is. ``sample`` and ``feature`` hold the offending identifiers
    when a single one is to blame (``None`` otherwise).
    """

    def __init__(self, message: str, *, sample: str | None = None, feature: str | None = None,
                 source: str | None = None) -> None:
        if source:
            message = f"{source}: {message}"
        super().__init__(message)
        self.sample = sample
        self.feature = feature
        self.source = source


class RelativeDataError(MicrobiomeInputError):
    """A count-based method (Chao1, rarefaction, ANCOM-BC) was asked of relative abundances."""
