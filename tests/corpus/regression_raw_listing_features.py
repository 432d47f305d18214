"""Apartment prices from raw listing features: build year (~1900-2020), floor area in m2,
latitude/longitude in degrees (~52.3, ~4.9), never standardised."""

import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "INPUT_SCALE"
FAULT = "Raw features (years ~2000, areas ~100, coordinates ~52.3 varying in the 3rd decimal) are fed unscaled."


def build_data():
    g = torch.Generator().manual_seed(0)
    n = 400
    year = torch.randint(1900, 2021, (n,), generator=g).float()
    area = 30 + 170 * torch.rand(n, generator=g)
    lat = 52.30 + 0.08 * torch.rand(n, generator=g)
    lon = 4.85 + 0.1 * torch.rand(n, generator=g)
    x = torch.stack([year, area, lat, lon], dim=1)  # bug: no standardisation
    # the target is already standardised: a log-price score
    centre = ((lat - 52.34) ** 2 + (lon - 4.90) ** 2).sqrt() / 0.05
    y = 0.8 * (area - 115) / 50 - 0.6 * centre + 0.3 * torch.sin((year - 1900) / 15)
    y = (y - y.mean()) / y.std()
    return TensorDataset(x, y), None


class Regressor(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return Regressor(hidden_dim)
