"""Evaluate a pretrained policy (synthetic demo: the checkpoint is missing, so this fails)."""

import torch

CHECKPOINT = "checkpoints/policy.pt"

if __name__ == "__main__":
    policy = torch.load(CHECKPOINT)  # fails: the checkpoint is not in the repository
    print(policy)
