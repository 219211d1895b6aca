"""Train a tiny VQA model on random tensors (synthetic demo; CPU, about a second)."""

import argparse

import torch
from torch import nn


class TinyVQA(nn.Module):
    def __init__(self, image_dim: int = 24, question_dim: int = 12, answers: int = 10) -> None:
        super().__init__()
        self.image = nn.Linear(image_dim, 32)
        self.question = nn.Embedding(50, 32)
        self.head = nn.Linear(32, answers)

    def forward(self, image: torch.Tensor, question: torch.Tensor) -> torch.Tensor:
        fused = torch.tanh(self.image(image)) * self.question(question).mean(dim=1)
        return self.head(fused)


def main() -> None:
    parser = argparse.ArgumentParser(description="Train a tiny VQA model (synthetic demo).")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = TinyVQA()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(args.epochs * 5):
        image = torch.randn(args.batch_size, 24)
        question = torch.randint(0, 50, (args.batch_size, 6))
        answer = torch.randint(0, 10, (args.batch_size,))
        loss = nn.functional.cross_entropy(model(image, question), answer)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
