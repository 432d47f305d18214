"""Broken: items are (sentence, topic name); collate maps the four names to ids 0..3, but
the classifier was built for three topics."""
import torch
from torch import nn

from trainprobe.demos._pydoc_text import PAD, TOPICS, encode, windows
from trainprobe.demos.own_collate import Recurrent

TASK = "classification"


def build_data():
    return [(" ".join(words), TOPICS[label]) for words, label in windows(12, per_topic=50)], None


def collate(items):
    ids = [torch.tensor(encode(text.split())) for text, _ in items]
    padded = nn.utils.rnn.pad_sequence(ids, batch_first=True, padding_value=PAD)
    return padded, torch.tensor([TOPICS.index(name) for _, name in items])


def build_model(hidden_dim: int = 64):
    model = Recurrent(hidden_dim)
    model.head = nn.Linear(hidden_dim, 3)  # one topic short
    return model
