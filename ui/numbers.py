"""Counts in words, for sentences about what the code counts: "one of the five networks", "after 1 epoch"."""

from digitlab import language
from digitlab.language import ngettext

# English only: other languages' number words agree with what they count ("un"/"une", "ein"/"eine"), so
# a sentence in another language gets the count in digits, as that language writes them.
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(count: int) -> str:
    """A count as a sentence writes it: in English in words up to ten; otherwise in digits (language.number)."""
    if language.current() == language.SOURCE and 0 <= count < len(WORDS):
        return WORDS[count]
    return language.number(count)


def epochs_in_words(epochs: float) -> str:
    """Epochs as a sentence says them: "1 epoch", "2 epochs", "1.25 epochs" (no ".00")."""
    shown = f"{epochs:.2f}".rstrip("0").rstrip(".")
    decimals = len(shown.partition(".")[2])
    whole = decimals == 0
    # A fraction of an epoch reads as the plural ("0.5 epochs", "1.25 epochs"): counted as 2 here.
    count = int(shown) if whole else 2
    return ngettext("{count} epoch", "{count} epochs", count).format(count=language.number(float(shown), decimals))
