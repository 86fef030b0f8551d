"""Counts in words, for sentences about what the code counts: "one of the five networks", "after 1 epoch"."""

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(count: int) -> str:
    """A count as a sentence writes it: in words up to ten, in digits past it."""
    return WORDS[count] if 0 <= count < len(WORDS) else f"{count:,}"


def epochs_in_words(epochs: float) -> str:
    """Epochs as a sentence says them: "1 epoch", "2 epochs", "1.25 epochs" (no ".00")."""
    shown = f"{epochs:.2f}".rstrip("0").rstrip(".")
    return f"{shown} epoch" if shown == "1" else f"{shown} epochs"
