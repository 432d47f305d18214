"""Data shared by the corpus specs of one task, so that each spec file holds only its
bug. Specs import it as a sibling module (a spec's folder is importable, as with
`python spec.py`)."""

from pydoc_data.topics import topics

import torch

# --- ctc: synthetic 'spoken digit strings' -------------------------------------------------
CTC_VOCAB = 6  # blank + 5 symbols
CTC_FEATURES = 8


class Utterances(torch.utils.data.Dataset):
    """Each label is a few frames of its own prototype feature vector plus noise, with
    silence frames in between."""

    def __init__(self, count: int, seed: int):
        g = torch.Generator().manual_seed(seed)
        prototypes = torch.randn(CTC_VOCAB, CTC_FEATURES,
                                 generator=torch.Generator().manual_seed(99))
        self.items = []
        for _ in range(count):
            labels = torch.randint(1, CTC_VOCAB, (int(torch.randint(2, 5, (1,), generator=g)),),
                                   generator=g)
            frames = []
            for label in labels:
                frames.append(torch.zeros(1, CTC_FEATURES))  # silence
                frames.append(prototypes[label].repeat(3, 1))
            frames.append(torch.zeros(1, CTC_FEATURES))
            x = torch.cat(frames) + 0.1 * torch.randn(len(torch.cat(frames)), CTC_FEATURES,
                                                      generator=g)
            self.items.append((x, labels))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def ctc_data():
    return Utterances(200, 0), Utterances(50, 1)


# --- lm: characters of text that ships with Python ---------------------------------------
LM_SEQ_LEN = 32
LM_TEXT = "\n".join(topics[key] for key in sorted(topics))[:20_000]
LM_VOCAB = sorted(set(LM_TEXT))


class Chunks(torch.utils.data.Dataset):
    def __init__(self, ids: torch.Tensor):
        self.ids = ids

    def __len__(self):
        return (len(self.ids) - 1) // LM_SEQ_LEN

    def __getitem__(self, index):
        chunk = self.ids[index * LM_SEQ_LEN: (index + 1) * LM_SEQ_LEN + 1]
        return chunk[:-1], chunk[1:]


def lm_data():
    ids = lm_ids()
    return Chunks(ids[:16_000]), Chunks(ids[16_000:])


# --- tabular sets of scikit-learn, standardized (the silent-bug cases and their twins) -----
def digits_xy() -> tuple[torch.Tensor, torch.Tensor]:
    """Digits pixels scaled to [0, 1], (1797, 64), and labels 0..9."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (torch.tensor(digits.data, dtype=torch.float32) / 16.0,
            torch.tensor(digits.target, dtype=torch.long))


def diabetes_xy() -> tuple[torch.Tensor, torch.Tensor]:
    """Diabetes features and target, both standardized: (442, 10), (442,)."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    x = torch.tensor(data.data, dtype=torch.float32)
    y = torch.tensor(data.target, dtype=torch.float32)
    return (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()


def cancer_xy() -> tuple[torch.Tensor, torch.Tensor]:
    """Breast-cancer features standardized, (569, 30), and float labels 0/1."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    return (x - x.mean(0)) / x.std(0), torch.tensor(data.target, dtype=torch.float32)


def lm_ids() -> torch.Tensor:
    """The LM text as character ids over LM_VOCAB."""
    lookup = {c: i for i, c in enumerate(LM_VOCAB)}
    return torch.tensor([lookup[c] for c in LM_TEXT], dtype=torch.long)
