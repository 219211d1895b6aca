"""Run a tiny graph network on a random graph (synthetic demo; the parser runs before imports)."""

import argparse

parser = argparse.ArgumentParser(description="Propagate features over a random graph.")
parser.add_argument("--nodes", type=int, default=12)
args = parser.parse_args()

import torch  # noqa: E402  (deliberately after the parser, as in many research scripts)
from torch import nn  # noqa: E402


class GraphLayer(nn.Module):
    def __init__(self, dim: int = 8) -> None:
        super().__init__()
        self.linear = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        return torch.relu(adjacency @ self.linear(x))


with torch.no_grad():
    adjacency = (torch.rand(args.nodes, args.nodes) > 0.7).float()
    out = GraphLayer()(torch.randn(args.nodes, 8), adjacency)
print("node features", tuple(out.shape))
