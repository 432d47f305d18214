"""Words of the Python reference text that ships with Python (pydoc_data.topics), and a
small word vocabulary built from them: text data with no download and no tokenizer.
Shared by the text examples; id 0 is padding, id 1 an unknown word."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pydoc_data.topics import topics

PAD, UNK = 0, 1
TOPICS = ("try", "import", "function", "class")  # four long topics: four classes


def topic_words(topic: str) -> list[str]:
    return re.findall(r"[a-z]+", topics[topic].lower())


@lru_cache(maxsize=1)
def vocabulary(size: int = 400) -> dict[str, int]:
    """The `size - 2` most frequent words of every topic, numbered from 2."""
    counts = Counter(word for topic in sorted(topics) for word in topic_words(topic))
    return {word: i + 2 for i, (word, _) in enumerate(counts.most_common(size - 2))}


def encode(words: list[str]) -> list[int]:
    vocab = vocabulary()
    return [vocab.get(word, UNK) for word in words]


def windows(length: int, per_topic: int, stride: int | None = None) -> list[tuple[list[str], int]]:
    """(words, topic index): `per_topic` windows of `length` words from each of TOPICS."""
    stride = stride or length
    result = []
    for label, topic in enumerate(TOPICS):
        words = topic_words(topic)
        starts = range(0, len(words) - length, stride)[:per_topic]
        result += [(words[s:s + length], label) for s in starts]
    return result
