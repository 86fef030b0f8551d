"""Counts in words, for sentences about what the code counts: "one of the five networks"."""

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(count: int) -> str:
    """A count as a sentence writes it: in words up to ten, in digits past it."""
    return WORDS[count] if 0 <= count < len(WORDS) else f"{count:,}"
