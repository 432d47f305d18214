"""A transformer CTC tagger that builds its key padding mask the Hugging Face way (True =
a real frame) and hands it to nn.TransformerEncoder, where True means 'ignore'. Training
is finite; in eval mode PyTorch's fast path returns NaN for an utterance without padding,
whose every key is masked."""

from corpus_data import CTC_FEATURES as FEATURES
from corpus_data import CTC_VOCAB as VOCAB
from corpus_data import ctc_data
from torch import nn

TASK = "ctc"
EXPECTED = "TRAIN_EVAL_MISMATCH"
FAULT = "src_key_padding_mask = (x != 0).any(-1) marks the real frames, not the padding."
TWIN = "ctc_inverted_padding_mask_twin"
SIZES = [5, 10]  # rung 2 can hold two unpadded utterances: eval raises instead of NaN


def build_data():
    return ctc_data()


class TransformerTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.proj = nn.Linear(FEATURES, hidden_dim)
        layer = nn.TransformerEncoderLayer(hidden_dim, 2, 2 * hidden_dim, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1)
        self.out = nn.Linear(hidden_dim, VOCAB)

    def padding_mask(self, x):  # (N, T, F) -> (N, T) bool
        return (x != 0).any(-1)  # bug: True for real frames; PyTorch masks what is True

    def forward(self, x):  # (N, T, F) -> (N, T, VOCAB)
        h = self.encoder(self.proj(x), src_key_padding_mask=self.padding_mask(x))
        return self.out(h)


def build_model(hidden_dim: int = 32):
    return TransformerTagger(hidden_dim)
