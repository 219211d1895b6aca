"""Train a matrix-factorisation recommender (synthetic demo: the data is missing, so this stops)."""

import argparse
import csv

import torch
from torch import nn


class MatrixFactorisation(nn.Module):
    def __init__(self, users: int = 100, items: int = 200, dim: int = 8) -> None:
        super().__init__()
        self.users = nn.Embedding(users, dim)
        self.items = nn.Embedding(items, dim)

    def forward(self, user: torch.Tensor, item: torch.Tensor) -> torch.Tensor:
        return (self.users(user) * self.items(item)).sum(dim=-1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Train a recommender (synthetic demo).")
    parser.add_argument("--data", default="data/interactions.csv")
    args = parser.parse_args()
    model = MatrixFactorisation()
    with open(args.data, newline="") as fh:  # fails: the data was never published
        rows = list(csv.reader(fh))
    print(model, len(rows))


if __name__ == "__main__":
    main()
