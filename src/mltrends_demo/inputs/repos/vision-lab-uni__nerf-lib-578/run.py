"""Volume-rendering weights along a ray with numpy (synthetic demo; no deep-learning framework)."""

import argparse

import numpy as np


def weights(density: np.ndarray, delta: float) -> np.ndarray:
    alpha = 1.0 - np.exp(-density * delta)
    transmittance = np.cumprod(np.concatenate([[1.0], 1.0 - alpha[:-1]]))
    return alpha * transmittance


def main() -> None:
    parser = argparse.ArgumentParser(description="Render one synthetic ray.")
    parser.add_argument("--samples", type=int, default=16)
    args = parser.parse_args()
    w = weights(np.linspace(0.0, 2.0, args.samples), 0.1)
    print(f"weight sum {w.sum():.3f}")


if __name__ == "__main__":
    main()
