"""A vision-transformer-style patch embedding (synthetic demo; listed as TensorFlow, uses PyTorch)."""

import argparse

import torch
from torch import nn


class PatchEmbed(nn.Module):
    def __init__(self, patch: int = 4, dim: int = 8) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description="Embed a random image (synthetic demo).")
    parser.add_argument("--size", type=int, default=16)
    args = parser.parse_args()
    out = PatchEmbed()(torch.randn(1, 3, args.size, args.size))
    print("patches", tuple(out.shape))


if __name__ == "__main__":
    main()
