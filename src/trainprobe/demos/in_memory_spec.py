"""Script, not a spec file: a tp.Spec built in memory and probed, as in a notebook (python in_memory_spec.py)."""

import torch
from sklearn.datasets import load_wine
from torch import nn

import trainprobe as tp


def build_data():
    wine = load_wine()
    x = torch.tensor(wine.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    return list(zip(x, wine.target.tolist())), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(13, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))


def make_spec() -> tp.Spec:
    return tp.Spec(task="classification", build_model=build_model, build_data=build_data,
                   config={"max_steps": 400}, name="wine_in_memory")


if __name__ == "__main__":
    spec = make_spec()
    run, report = tp.probe(spec, [1, 2, 5, 10, 20])
    print(f"verdict: {report['verdict']}, breaking point: {run.breaking_point}")
    for finding in report["diagnoses"][:3]:
        print(f"{finding['code']}: {finding['message']}")
