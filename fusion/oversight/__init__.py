"""Oversight: complaints from the public, published transparency figures, and which audit
entries a reader sees. The top of fusion: it may read every layer below it."""
