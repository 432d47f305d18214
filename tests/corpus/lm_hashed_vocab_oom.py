"""Word-level LM with the hashing trick but no modulo: token ids are 48-bit hashes and
the embedding table is sized from the largest id, ~2.8e14 rows. Building it asks the
CPU allocator for ~36 PB and fails at once (no memory is touched)."""

import hashlib
from pydoc_data.topics import topics

import torch
from torch import nn

TASK = "lm"
EXPECTED = "OUT_OF_MEMORY"
FAULT = "Token ids are raw 48-bit word hashes (no % vocab_size) and nn.Embedding is sized max_id + 1."
SIZES = [1, 2, 5, 10]
SEQ_LEN = 16
WORDS = " ".join(topics[key] for key in sorted(topics)).split()[:4_000]


def word_id(word: str) -> int:
    digest = hashlib.blake2b(word.encode(), digest_size=6).digest()
    return int.from_bytes(digest, "big")  # bug: should be % VOCAB_SIZE


IDS = torch.tensor([word_id(w) for w in WORDS], dtype=torch.long)


class Chunks(torch.utils.data.Dataset):
    def __init__(self, ids: torch.Tensor):
        self.ids = ids

    def __len__(self):
        return (len(self.ids) - 1) // SEQ_LEN

    def __getitem__(self, index):
        chunk = self.ids[index * SEQ_LEN: (index + 1) * SEQ_LEN + 1]
        return chunk[:-1], chunk[1:]


def build_data():
    return Chunks(IDS[:3_200]), Chunks(IDS[3_200:])


class WordGRU(nn.Module):
    def __init__(self, vocab_size: int, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 32)  # ~2.8e14 x 32 floats
        self.rnn = nn.GRU(32, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features)


def build_model(hidden_dim: int = 64):
    return WordGRU(int(IDS.max()) + 1, hidden_dim)
