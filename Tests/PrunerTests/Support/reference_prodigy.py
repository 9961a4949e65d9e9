"""Trajectory of the prodigyopt package's Prodigy on a fixed quadratic, for sparsim's optimizer test.

Minimizes 0.5 * sum(a * (x - b)^2) from x = 0 in float64 with lr 1, d_coef D_COEF, no weight decay,
for STEPS steps. Prints the final x and d, space-separated, as Python reprs (round-trip exact).

  reference_prodigy.py A B D_COEF STEPS     (A and B comma-separated)
"""
import sys

import prodigyopt
import torch

torch.set_default_dtype(torch.float64)
a = torch.tensor([float(v) for v in sys.argv[1].split(",")])
b = torch.tensor([float(v) for v in sys.argv[2].split(",")])
x = torch.zeros(len(a), requires_grad=True)
optimizer = prodigyopt.Prodigy([x], lr=1.0, d_coef=float(sys.argv[3]), weight_decay=0.0)
for _ in range(int(sys.argv[4])):
    optimizer.zero_grad()
    (0.5 * (a * (x - b) ** 2).sum()).backward()
    optimizer.step()
print(" ".join(repr(v) for v in x.tolist() + [optimizer.param_groups[0]["d"]]))
