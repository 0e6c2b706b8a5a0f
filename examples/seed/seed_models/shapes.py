"""Seed, In [19]: a traced function that generalizes (f1) and one that does not (f2)."""
import torch


def f1(x):
    return torch.arange(x.shape[0])


def f2(x):
    return torch.arange(len(x))
