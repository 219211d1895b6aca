"""A tiny captioning-style model (synthetic demo)."""

import torch
from torch import nn


class TinyCaptioner(nn.Module):
    def __init__(self, features: int = 16, vocab: int = 32) -> None:
        super().__init__()
        self.encoder = nn.Linear(features, 32)
        self.decoder = nn.Linear(32, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.relu(self.encoder(x)))
