"""Train the tiny captioner on random data (synthetic demo; CPU, a few seconds)."""

import argparse

import torch

from model import TinyCaptioner


def main() -> None:
    parser = argparse.ArgumentParser(description="Train a tiny captioner (synthetic demo).")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = TinyCaptioner()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(args.steps):
        x, y = torch.randn(32, 16), torch.randint(0, 32, (32,))
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"trained {args.steps} steps, loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
