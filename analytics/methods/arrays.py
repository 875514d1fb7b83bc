"""Checks shared by the methods' array inputs."""

import numpy as np


def index_array(name: str, values: np.ndarray, upper: int, upper_name: str) -> np.ndarray:
    """`values` as int64 codes in [0, upper); ValueError naming `name` otherwise."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer codes, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= upper:
        raise ValueError(f"{name} codes must lie in [0, {upper_name}={upper})")
    return arr.astype(np.int64)
